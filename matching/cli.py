"""Command line interface: `python -m matching solve problem.json [--scores]`.

Writes the result JSON to stdout. Invalid input prints one `error: ...` line per problem on
stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from matching.engine import ProblemError, problem_from_dict, result_to_dict, solve
from matching.problem import problem_json_loads

EXIT_INVALID = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matching", description="Flipside matching.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("solve", help="solve a problem file and print the result JSON")
    run.add_argument("problem", help="path to the problem JSON file ('-' for stdin)")
    run.add_argument(
        "--scores", action="store_true", help="also output every feasible pair's score"
    )
    run.add_argument(
        "--timings", action="store_true", help="include timings (output is then not byte-stable)"
    )
    run.add_argument("--candidates", type=int, default=None, help=argparse.SUPPRESS)
    return parser


def _load(source: str) -> Any:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    return problem_json_loads(text)


def _fail(messages: list[str], stderr: TextIO) -> int:
    for message in messages:
        print(f"error: {message}", file=stderr)
    return EXIT_INVALID


def main(argv: list[str] | None = None, stdout: TextIO | None = None) -> int:
    """Entry point; returns the process exit status."""
    args = build_parser().parse_args(argv)
    out = stdout or sys.stdout
    try:
        data = _load(args.problem)
    except OSError as exc:
        return _fail([f"cannot read {args.problem}: {exc.strerror or exc}"], sys.stderr)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return _fail([f"{args.problem} is not valid JSON: {exc}"], sys.stderr)
    except ProblemError as exc:
        return _fail([f"{args.problem}: {message}" for message in exc.messages], sys.stderr)
    try:
        # solve() validates the problem: reading it checks the types only, so the semantic
        # checks (the manager chains among them) run once.
        problem = problem_from_dict(data, validate=False)
        result = solve(problem, candidates=args.candidates, include_scores=args.scores)
    except ProblemError as exc:
        return _fail(exc.messages, sys.stderr)
    _write_result(result, out, include_timings=args.timings)
    return 0


def _write_result(result: Any, out: TextIO, *, include_timings: bool) -> None:
    """The result JSON (indent 2, sorted keys); the score table, when asked for, is streamed
    in blocks into its place between "pairs" and "spare_capacity"."""
    table = result.scores
    data = result_to_dict(dataclasses.replace(result, scores=None),
                          include_timings=include_timings)
    text = json.dumps(data, indent=2, sort_keys=True)
    if table is None:
        out.write(text + "\n")
        return
    # Top-level keys are the only lines indented by exactly two spaces.
    cut = text.index('\n  "spare_capacity": ')
    out.write(text[:cut] + '\n  "scores": ')
    table.write_json(out)
    out.write("," + text[cut:] + "\n")
