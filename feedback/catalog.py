"""Built-in survey templates: what reverse-mentoring programs promise, measured.

Plain data (no Django). Admins copy a template into their organization (or straight into a
cohort's survey) and edit the copy in the browser. Questions that measure the same thing in
several surveys share a ``key`` (stored as ``Question.builtin_key``): the final evaluation's
results put each next to the baseline's on the same scale (before/after, per topic for the
focus-topic confidence question).
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCALE, NPS, SINGLE, MULTIPLE, TEXT, TOPIC_SCALE = (
    "scale", "nps", "single", "multiple", "text", "topic_scale")
MENTORS, MENTEES, BOTH = "mentor", "mentee", "both"


@dataclass(frozen=True)
class BuiltinQuestion:
    key: str
    kind: str
    text: str
    audience: str = BOTH
    required: bool = True
    help_text: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuiltinTemplate:
    key: str
    kind: str
    title: str
    intro: str
    anonymous: bool = True
    questions: tuple[BuiltinQuestion, ...] = field(default_factory=tuple)


TOPIC_CONFIDENCE = BuiltinQuestion(
    "topic_confidence", TOPIC_SCALE,
    "How confident do you feel about each of your focus topics?",
    help_text="1 = not at all confident, 5 = very confident.")
PSYCHOLOGICAL_SAFETY = BuiltinQuestion(
    "psychological_safety", SCALE,
    "I can speak candidly with my partner without worrying about repercussions.",
    help_text="1 = strongly disagree, 5 = strongly agree.")
VISIBILITY = BuiltinQuestion(
    "visibility_and_access", SCALE,
    "I have visibility of, and access to, how strategy is made here.", audience=MENTORS,
    help_text="1 = strongly disagree, 5 = strongly agree.")
CONTRIBUTION = BuiltinQuestion(
    "junior_contribution", SCALE,
    "My mentor's perspective changes how I think about my work and decisions.",
    audience=MENTEES, help_text="1 = strongly disagree, 5 = strongly agree.")
RECOMMEND = BuiltinQuestion(
    "recommend", NPS,
    "How likely are you to recommend this program to a colleague?",
    help_text="0 = not at all likely, 10 = extremely likely.")
LEARNED = BuiltinQuestion(
    "learned", TEXT, "What have you learned from your partner?", required=False)
INTENT_TO_CHANGE = BuiltinQuestion(
    "intent_to_change", SINGLE,
    "Will you change something in how you work because of this program?",
    choices=("Yes, I already have", "Yes, I plan to", "Not sure yet", "No"))
PRACTICE = BuiltinQuestion(
    "practice_to_change", TEXT, "Which practice, and how?", required=False)

TEMPLATES: dict[str, BuiltinTemplate] = {t.key: t for t in (
    BuiltinTemplate(
        "baseline", "baseline", "Baseline survey",
        "A few questions before the program starts, so we can see what changes. It takes "
        "about three minutes.",
        questions=(
            TOPIC_CONFIDENCE, PSYCHOLOGICAL_SAFETY, VISIBILITY,
            BuiltinQuestion("hopes", TEXT, "What do you hope to get out of the program?",
                            required=False),
        )),
    BuiltinTemplate(
        "midpoint", "midpoint", "Midpoint check",
        "Halfway there: how is it going? Your answers help us support every pair.",
        questions=(
            PSYCHOLOGICAL_SAFETY,
            BuiltinQuestion("session_value", SCALE, "Our sessions are a good use of my time.",
                            help_text="1 = strongly disagree, 5 = strongly agree."),
            BuiltinQuestion(
                "obstacles", MULTIPLE, "What gets in the way of your sessions?",
                required=False,
                choices=("Finding time", "Knowing what to talk about", "Cancellations",
                         "Nothing so far")),
            BuiltinQuestion("learned_so_far", TEXT, "What have you learned so far?",
                            required=False),
            RECOMMEND,
        )),
    BuiltinTemplate(
        "final", "final", "Final evaluation",
        "The program is ending. Tell us what changed: this is how the program improves.",
        questions=(
            TOPIC_CONFIDENCE, PSYCHOLOGICAL_SAFETY, LEARNED, INTENT_TO_CHANGE, PRACTICE,
            CONTRIBUTION, VISIBILITY, RECOMMEND,
        )),
    BuiltinTemplate(
        "post_session", "post_session", "After the session",
        "A quick rating after each session.", anonymous=False,
        questions=(
            BuiltinQuestion("session_rating", SCALE, "How valuable was this session?",
                            help_text="1 = not valuable, 5 = very valuable."),
            BuiltinQuestion("session_comment", TEXT, "Anything HR should know?",
                            required=False),
        )),
)}
