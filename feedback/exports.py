"""The results as chart data and as a CSV of aggregates, both from one
:class:`feedback.selectors.Results` (so they publish exactly what the page does).

The CSV holds aggregates only, never an answer: one row per published cell and measure
(count, mean, each value's count, NPS parts); free texts are counted, not exported. Every cell
goes through ``programs.csv_safety`` (formula injection).
"""

from __future__ import annotations

from collections.abc import Iterator

from django.http import HttpResponse
from django.utils.text import slugify

from feedback.models import QuestionKind
from feedback.selectors import CellResult, QuestionResult, Results
from programs.csv_safety import csv_response

CSV_HEADER = ["question_number", "question", "topic", "group", "measure", "value", "answers"]


def _cells(result: QuestionResult) -> Iterator[tuple[str, CellResult]]:
    if result.question.kind == QuestionKind.TOPIC_SCALE:
        for topic in result.topics:
            yield topic.label, topic.cell
        return
    for cell in result.cells:
        yield "", cell


def csv_rows(results: Results) -> Iterator[list]:
    """Aggregates only: a row per published measure of every published cell."""
    for number, result in enumerate(results.questions, start=1):
        if result.suppressed:
            continue
        for topic, cell in _cells(result):
            head = [number, result.question.text, topic, cell.label]
            yield [*head, "answers", cell.n, cell.n]
            if cell.mean is not None:
                yield [*head, "mean", cell.mean, cell.n]
            for value, count in cell.distribution:
                yield [*head, f"answered {value}", count, cell.n]
            if cell.nps is not None:
                yield [*head, "nps", cell.nps.score, cell.n]
                yield [*head, "promoters", cell.nps.promoters, cell.n]
                yield [*head, "passives", cell.nps.passives, cell.n]
                yield [*head, "detractors", cell.nps.detractors, cell.n]
    for pair in results.before_after:
        for when, cell in (("before", pair.before), ("after", pair.after)):
            if cell is not None and cell.mean is not None:
                yield ["", pair.label, "", "Everyone selected", f"mean {when}", cell.mean, cell.n]


def results_csv_response(results: Results) -> HttpResponse:
    name = slugify(results.survey.title) or "survey"
    return csv_response(filename=f"{name}-results.csv", header=CSV_HEADER,
                        rows=csv_rows(results))


def chart_data(results: Results) -> list[dict]:
    """One chart per published question, in page order, each drawn from the same figures as
    the table under it: means per topic for per-topic questions, means per group for numbers
    broken down, and otherwise the distribution (one series per group)."""
    charts = []
    for result in results.questions:
        question = result.question
        if result.suppressed or question.kind == QuestionKind.TEXT:
            continue
        chart = {"id": f"chart-q{question.pk}", "title": question.text}
        if question.kind == QuestionKind.TOPIC_SCALE:
            cells = [t.cell for t in result.topics]
            chart.update(labels=[c.label for c in cells], max=5,
                         datasets=[{"label": "Mean (1 to 5)", "data": [c.mean for c in cells]}])
        elif len(result.cells) > 1 and question.kind in (QuestionKind.SCALE, QuestionKind.NPS):
            chart.update(labels=[c.label for c in result.cells],
                         max=10 if question.kind == QuestionKind.NPS else 5,
                         datasets=[{"label": "Mean", "data": [c.mean for c in result.cells]}])
        else:
            chart.update(labels=[value for value, _ in result.cells[0].distribution],
                         max=None, datasets=[
                             {"label": f"{cell.label} (answers)",
                              "data": [count for _, count in cell.distribution]}
                             for cell in result.cells])
        charts.append(chart)
    return charts
