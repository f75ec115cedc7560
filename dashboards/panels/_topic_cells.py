"""Which topics of a per-topic table may be shown (shared by the goals and outcomes sections).

A per-topic figure counts the people (or pairs) behind each topic: the goal owners with a goal
on it, the pairs whose sessions covered it. The cells go through the one k rule,
``feedback.suppression.breakdown`` (primary and secondary suppression); what it does not show
is combined into one "other topics" row whose figures the caller computes in SQL over every
topic that is not shown, counting its people *distinctly* (a person with goals on three small
topics is one person, not three), and shows only at k or more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from feedback import suppression

OTHER_TOPICS = "Other topics (small groups combined)"


@dataclass(frozen=True)
class TopicCount:
    topic_id: int
    name: str
    people: int  # the units the k rule counts (distinct owners, distinct pairs)


def shown_topics(counts: Sequence[TopicCount], k: int, *, limit: int | None = None,
                 order: Callable[[TopicCount], object] | None = None) -> list[TopicCount]:
    """The topics whose own cell may be shown: those ``suppression.breakdown`` keeps (at least
    ``k`` people each, and never a small cell recoverable from "other"), ordered by ``order``
    (default: by name), at most ``limit`` of them (the rest join "other")."""
    result = suppression.breakdown({str(count.topic_id): count.people for count in counts}, k)
    kept = {cell.key for cell in result.cells}
    shown = [count for count in counts if str(count.topic_id) in kept]
    shown.sort(key=order or (lambda count: (count.name, count.topic_id)))
    return shown[:limit] if limit is not None else shown
