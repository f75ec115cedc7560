"""Every feasible pair's score and components, computed block by block when read.

`solve(include_scores=True)` returns a :class:`ScoreTable` in `result.scores` instead of a list:
at 2,000 x 2,000 the list held 3.3 M dictionaries (3.3 GB) before a byte was written.
Iterating yields the same dictionaries one block of mentors at a time, and
:meth:`ScoreTable.write_json` writes the JSON array `python -m matching solve --scores`
prints, byte for byte what `json.dumps(list(table), indent=2, sort_keys=True)` gives at the
second level of the result object, without building it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, TextIO

import numpy as np

from matching.problem import COMPONENTS
from matching.scoring import SCALE, Cells, Context, components

BLOCK_PAIRS = 1 << 15
"""Feasible pairs scored and written per step (about 10 MB of text at most)."""

_ITEM = (
    "    {{\n"
    '      "components": {{\n'
    + ",\n".join(f'        "{name}": {{{name}}}' for name in sorted(COMPONENTS))
    + "\n      }},\n"
    '      "mentee_id": {mentee},\n'
    '      "mentor_id": {mentor},\n'
    '      "score": {score}\n'
    "    }}"
)


class ScoreTable:
    """The feasible cells of a score matrix in mentor/mentee id order, scored on demand."""

    def __init__(self, ctx: Context, points: np.ndarray) -> None:
        self._ctx = ctx
        self._points = points
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(np.count_nonzero(self._points >= 0))
        return self._count

    def _blocks(self) -> Iterator[tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]]:
        points = self._points
        n = max(points.shape[1], 1)
        step = max(1, BLOCK_PAIRS // n)
        for start in range(0, points.shape[0], step):
            rows, cols = np.nonzero(points[start : start + step] >= 0)
            if len(rows):
                rows = rows + start
                yield rows, cols, components(self._ctx, Cells(rows, cols))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        mentors, mentees, points = self._ctx.mentors, self._ctx.mentees, self._points
        for rows, cols, comps in self._blocks():
            for k, (i, j) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
                yield {
                    "mentor_id": mentors[i].id,
                    "mentee_id": mentees[j].id,
                    "score": int(points[i, j]) / SCALE,
                    "components": {name: round(float(comps[name][k]), 4) for name in COMPONENTS},
                }

    def write_json(self, out: TextIO) -> None:
        """Write the table as the value of a key of the top-level result object (indent 2,
        sorted keys, as ``json.dump`` writes it), one block at a time."""
        if not len(self):
            out.write("[]")
            return
        mentor_ids = [json.dumps(p.id) for p in self._ctx.mentors]
        mentee_ids = [json.dumps(p.id) for p in self._ctx.mentees]
        scores = [repr(k / SCALE) for k in range(SCALE + 1)]
        out.write("[\n")
        first = True
        for rows, cols, comps in self._blocks():
            texts = {name: _rounded_texts(comps[name]) for name in COMPONENTS}
            block_points = self._points[rows, cols].tolist()
            items = [
                _ITEM.format(
                    mentor=mentor_ids[i],
                    mentee=mentee_ids[j],
                    score=scores[p],
                    **{name: texts[name][k] for name in COMPONENTS},
                )
                for k, (i, j, p) in enumerate(
                    zip(rows.tolist(), cols.tolist(), block_points, strict=True)
                )
            ]
            if not first:
                out.write(",\n")
            out.write(",\n".join(items))
            first = False
        out.write("\n  ]")


def _rounded_texts(values: np.ndarray) -> list[str]:
    """``repr(round(float(v), 4))`` of each value, computed once per distinct value."""
    distinct, inverse = np.unique(values, return_inverse=True)
    texts = [repr(round(float(v), 4)) for v in distinct.tolist()]
    return [texts[k] for k in inverse.tolist()]
