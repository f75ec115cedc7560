"""Built-in content: default topics, the default seniority ladder and program templates."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_TOPICS = [
    "AI tools", "Generative AI prompting", "Social media", "TikTok & short video",
    "LinkedIn presence", "Remote collaboration tools", "Data literacy", "Cybersecurity habits",
    "Gen Z values", "Diversity & inclusion", "Accessibility", "Sustainability",
    "Consumer trends", "Digital customer journeys", "Gaming & online communities",
    "Mental health at work", "New ways of working", "Strategy", "Decision making",
    "Stakeholder management", "Career navigation", "Leading through change",
    "Financial acumen", "Negotiation",
]

DEFAULT_LEVELS = [
    ("L1", 1), ("L2", 2), ("L3", 3), ("L4", 4), ("L5", 5), ("L6", 6), ("L7", 7), ("L8", 8),
    ("C-suite", 9),
]

CONFIDENTIALITY = (
    "What is said in a pairing stays in the pairing. Neither partner repeats the other's "
    "questions, mistakes or opinions without permission, and nothing discussed is used in "
    "performance reviews. Mentors are encouraged to be candid: **a junior colleague telling a "
    "leader that something does not work is the point of the program**, never a risk to them. "
    "If something is raised that requires action (a safety or conduct issue), the partners "
    "agree together how to escalate it."
)

GUIDELINES = """\
**For both partners**

- Meet every two weeks for 45–60 minutes; put the next date in the calendar before you part.
- Agree two-way learning goals in the first session and revisit them each month.
- Come prepared: one question, one thing you tried since last time.
- Keep shared notes of action items; keep private reflections private.

**For mentors (junior)**

- You are the expert here. Show, don't just tell: open the app, build the prompt, post the video.
- Say what you really think; your leader signed up to hear it.

**For mentees (senior leaders)**

- Be a learner: ask the basic questions, try things between sessions.
- Share context generously: how decisions get made, what the strategy is, how to navigate.
"""


@dataclass(frozen=True)
class ProgramTemplate:
    key: str
    name: str
    purpose: str
    objectives: list[str]
    focus_areas: list[str]
    prompts: list[tuple[str, str, str]]  # (phase, topic name or "", text)
    resources: list[tuple[str, str, str, str]]  # (title, audience, markdown body, url)
    guidelines: str = GUIDELINES
    confidentiality_statement: str = CONFIDENTIALITY
    extra: dict = field(default_factory=dict)


TEMPLATES = [
    ProgramTemplate(
        key="digital-ai",
        name="Digital & AI skills for leaders",
        purpose=(
            "Give senior leaders hands-on confidence with AI assistants and the digital tools "
            "their teams already use, taught by early-career colleagues who use them daily, "
            "so that leadership decisions about technology come from experience, not slides."
        ),
        objectives=[
            "80% of leaders report higher confidence with AI tools by the final survey",
            "Every leader completes at least 3 hands-on exercises with a generative AI tool",
            "Pairs meet at least 6 times over the cohort",
            "75% of mentors report a better understanding of how strategic decisions are made",
        ],
        focus_areas=["AI tools", "Generative AI prompting", "Data literacy",
                     "Cybersecurity habits", "Remote collaboration tools", "Strategy"],
        prompts=[
            ("kickoff", "", "What does each of you hope to be able to do in three months "
                            "that you cannot do today?"),
            ("kickoff", "AI tools", "Mentor: show one task you did this week with an AI "
                                    "assistant, start to finish."),
            ("early", "Generative AI prompting", "Take a real email or memo the leader wrote "
                                                 "this week and improve it together with an "
                                                 "AI assistant. What changed?"),
            ("early", "Cybersecurity habits", "Which data must never go into a public AI "
                                              "tool here? Check the policy together."),
            ("mid", "Data literacy", "Pick a dashboard the leader relies on. What question "
                                     "can it not answer, and how would you find out?"),
            ("mid", "Strategy", "Mentee: walk through a recent decision about technology "
                                "investment. What would the mentor have done differently?"),
            ("closing", "", "What will each of you keep doing after the program? Write it "
                            "down as one sentence each."),
        ],
        resources=[
            ("Getting started with AI assistants", "mentee",
             "A one-page primer: what large language models are good at, where they fail "
             "(confident wrong answers), and the three habits that matter: give context, "
             "ask for options, verify facts.", ""),
            ("How to teach a leader", "mentor",
             "Let them drive the keyboard. Pick their real work, not toy examples. Stop "
             "after 20 minutes and ask what they would try alone this week.", ""),
            ("Company AI acceptable-use policy", "both",
             "Read it together in the first session; note any questions for IT.", ""),
        ],
    ),
    ProgramTemplate(
        key="inclusion-genz",
        name="Inclusion & Gen Z perspectives",
        purpose=(
            "Help leaders understand the values, expectations and lived experience of the "
            "youngest generation in the workforce and of under-represented colleagues, and "
            "turn that understanding into more inclusive leadership and policies."
        ),
        objectives=[
            "70% of leaders name at least one policy or habit they changed by the final "
            "survey",
            "Mentor satisfaction of 4 out of 5 or higher",
            "90% of pairs agree two-way learning goals in their first month",
            "Retention of participating mentors at 12 months above the company average",
        ],
        focus_areas=["Gen Z values", "Diversity & inclusion", "Accessibility",
                     "Mental health at work", "New ways of working", "Career navigation"],
        prompts=[
            ("kickoff", "", "Share one moment at work when you felt you belonged, and one "
                            "when you did not."),
            ("early", "Gen Z values", "Mentor: what makes an employer worth staying for, "
                                      "for you and your friends? Mentee: what surprised you?"),
            ("early", "Diversity & inclusion", "Review together one recent team meeting: "
                                               "who spoke, who did not, and why?"),
            ("mid", "Mental health at work", "How do people your age talk about workload "
                                             "and burnout? What would help them speak up?"),
            ("mid", "Career navigation", "Mentee: describe how promotions really get "
                                         "decided here. Mentor: what did you assume?"),
            ("closing", "", "What is one thing the leader will do differently with their "
                            "team, and how will the mentor know?"),
        ],
        resources=[
            ("Psychological safety in reverse mentoring", "both",
             "Candour only works when it is safe. Agree how you will give each other "
             "feedback, and what stays between you.", ""),
            ("Listening without defending", "mentee",
             "When you hear something uncomfortable, ask one more question before you "
             "explain. Thank the mentor for the candour.", ""),
            ("Inclusive meetings checklist", "both",
             "- Agenda shared a day before\n- Round-robin for input\n- Captions on\n"
             "- Decisions and owners written down", ""),
        ],
    ),
    ProgramTemplate(
        key="customer-social",
        name="Customer & social media insight",
        purpose=(
            "Connect leaders with how younger customers discover, judge and talk about "
            "brands on social platforms, so that marketing, product and service decisions "
            "reflect what customers actually see and say."
        ),
        objectives=[
            "Every leader publishes or co-creates at least one post on a social platform",
            "75% of leaders report better understanding of younger customers by the final "
            "survey",
            "At least 5 customer insights from pairs are shared with the product team",
        ],
        focus_areas=["Social media", "TikTok & short video", "LinkedIn presence",
                     "Consumer trends", "Digital customer journeys", "Decision making"],
        prompts=[
            ("kickoff", "Social media", "Mentor: show the leader your own feed for ten "
                                        "minutes. What brands appear, and why?"),
            ("early", "TikTok & short video", "Search our brand and two competitors on a "
                                              "short-video app. What do customers say "
                                              "unprompted?"),
            ("early", "Digital customer journeys", "Buy something small from us on a "
                                                   "phone, together. Where did it hurt?"),
            ("mid", "LinkedIn presence", "Draft and publish one LinkedIn post by the "
                                         "leader about what they are learning."),
            ("mid", "Decision making", "Mentee: how does a campaign get approved here? "
                                       "Where could a junior voice change it?"),
            ("closing", "Consumer trends", "Write down three customer insights from the "
                                           "program and who in the company should hear them."),
        ],
        resources=[
            ("Social platforms in one page", "mentee",
             "Who uses which platform, what content works on each, and the vocabulary "
             "(creator, duet, stitch, algorithmic feed).", ""),
            ("Brand safety basics", "both",
             "What employees may and may not post about the company; how to handle "
             "negative comments.", ""),
        ],
    ),
]

TEMPLATES_BY_KEY = {template.key: template for template in TEMPLATES}
