"""Profile completeness (pure): which answers a participant has given, as a percentage."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileFacts:
    role: str
    job_title: str
    department: str
    has_level: bool
    time_zone: str
    languages: list[str]
    teach_count: int
    learn_count: int
    learning_goals: str
    availability_windows: int


@dataclass(frozen=True)
class Completeness:
    percent: int
    missing: list[str]


def profile_completeness(facts: ProfileFacts) -> Completeness:
    """Each check weighs the same; mentors must list topics to teach, mentees to learn."""
    checks = [
        ("job title", bool(facts.job_title.strip())),
        ("department", bool(facts.department.strip())),
        ("seniority level", facts.has_level),
        ("time zone", bool(facts.time_zone)),
        ("languages", bool(facts.languages)),
        ("topics you can teach" if facts.role == "mentor" else "topics you want to learn",
         (facts.teach_count if facts.role == "mentor" else facts.learn_count) > 0),
        ("topics you want to learn" if facts.role == "mentor" else "topics you can teach",
         (facts.learn_count if facts.role == "mentor" else facts.teach_count) > 0),
        ("learning goals", bool(facts.learning_goals.strip())),
        ("weekly availability", facts.availability_windows > 0),
    ]
    done = sum(1 for _, ok in checks if ok)
    return Completeness(percent=round(100 * done / len(checks)),
                        missing=[label for label, ok in checks if not ok])
