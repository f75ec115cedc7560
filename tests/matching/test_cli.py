"""Tests of `python -m matching solve` (pure Python, no database)."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from matching.cli import main

ROOT = Path(__file__).resolve().parents[2]


def base_problem() -> dict[str, Any]:
    return {
        "rules": {"min_seniority_gap": 2, "allow_same_department": False},
        "weights": {"topic_coverage": 0.5, "availability": 0.3, "pairing_request": 0.2},
        "mentors": [
            {
                "id": "r1",
                "name": "Ana",
                "level": 1,
                "department": "Data",
                "manager_id": "e2",
                "languages": ["English", "German"],
                "teaches": {"genai": 3, "tiktok": 2},
                "learns": {"negotiation": 2},
                "availability": [[0, 540, 720], [2, 540, 600]],
                "timezone": "Europe/Berlin",
                "capacity": 2,
                "requested": ["e1"],
            },
            {
                "id": "r2",
                "level": 2,
                "department": "Sales",
                "languages": ["English"],
                "teaches": {"genai": 1},
                "availability": [[0, 480, 600]],
                "timezone": "America/New_York",
            },
        ],
        "mentees": [
            {
                "id": "e1",
                "name": "Bea",
                "level": 6,
                "department": "Finance",
                "languages": ["German"],
                "learns": {"genai": 3},
                "teaches": {"negotiation": 3},
                "availability": [[0, 480, 660]],
                "timezone": "UTC",
            },
            {"id": "e2", "level": 8, "department": "Finance", "languages": ["English"]},
            {"id": "e3", "level": 7, "department": "Legal", "languages": ["Japanese"]},
        ],
        "locked": [],
        "rejected": [],
        "org_managers": {"e2": "ceo", "ceo": None},
    }


def run(tmp_path: Path, data: Any, *extra: str, raw: str | None = None) -> tuple[int, str]:
    path = tmp_path / "problem.json"
    path.write_text(raw if raw is not None else json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    with out.open("w", encoding="utf-8") as stdout:
        code = main(["solve", str(path), *extra], stdout=stdout)
    return code, out.read_text(encoding="utf-8")


def test_solve_writes_result_json(tmp_path: Path):
    code, output = run(tmp_path, base_problem())
    assert code == 0
    result = json.loads(output)
    assert [(p["mentor_id"], p["mentee_id"]) for p in result["pairs"]] == [
        ("r1", "e1"),
        ("r2", "e2"),
    ]
    assert result["unmatched"] == [{"mentee_id": "e3", "reason": "no mentor speaks Japanese"}]
    assert result["spare_capacity"] == {"r1": 1, "r2": 0}
    assert result["stats"]["certified"] is True
    assert "timings" not in result["stats"]
    assert "scores" not in result
    first = result["pairs"][0]
    assert set(first) == {"mentor_id", "mentee_id", "score", "components", "explanation", "locked"}
    assert first["components"]["pairing_request"] == 1.0


def test_output_is_byte_for_byte_stable(tmp_path: Path):
    assert run(tmp_path, base_problem())[1] == run(tmp_path, base_problem())[1]


def test_scores_flag_adds_feasible_score_matrix(tmp_path: Path):
    code, output = run(tmp_path, base_problem(), "--scores")
    assert code == 0
    scores = json.loads(output)["scores"]
    # r1 reports to e2 (manager chain), r2 speaks no German (e1), nobody speaks Japanese (e3).
    assert {(s["mentor_id"], s["mentee_id"]) for s in scores} == {("r1", "e1"), ("r2", "e2")}
    assert all(0 <= s["score"] <= 1 for s in scores)


def test_timings_flag(tmp_path: Path):
    result = json.loads(run(tmp_path, base_problem(), "--timings")[1])
    assert set(result["stats"]["timings"]) == {"scoring_s", "solving_s", "total_s"}


def mutate(path: str, value: Any) -> dict[str, Any]:
    """Copy of the base problem with the value at a dotted path (list indexes allowed) set."""
    data = copy.deepcopy(base_problem())
    *parents, last = path.split(".")
    target: Any = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return data


BAD_INPUTS = [
    pytest.param(
        mutate("locked", [["r1", "ghost"]]),
        "locked pair (r1, ghost): unknown mentee id",
        id="locked-unknown-mentee",
    ),
    pytest.param(
        mutate("locked", [["nobody", "e1"]]),
        "locked pair (nobody, e1): unknown mentor id",
        id="locked-unknown-mentor",
    ),
    pytest.param(
        mutate("rejected", [["r1", "ghost"]]),
        "rejected pair (r1, ghost): unknown mentee id",
        id="rejected-unknown-mentee",
    ),
    pytest.param(
        mutate("mentors.0.capacity", 0),
        "mentor 'r1' has capacity 0; capacity must be between 1 and 3",
        id="capacity-0",
    ),
    pytest.param(
        mutate("mentors.0.capacity", 4),
        "mentor 'r1' has capacity 4; capacity must be between 1 and 3",
        id="capacity-4",
    ),
    pytest.param(
        mutate("org_managers", {"e2": "ceo", "ceo": "r1"}),
        "cyclic manager chain: ceo -> r1 -> e2 -> ceo",
        id="cyclic-manager-chain",
    ),
    pytest.param(
        mutate("mentees.1.manager_id", "e2"),
        "cyclic manager chain: e2 -> e2",
        id="self-manager",
    ),
    pytest.param(
        mutate("mentees.2.id", "r1"),
        "duplicate participant id 'r1'",
        id="duplicate-id",
    ),
    pytest.param(
        mutate("mentors.1.level", "senior"),
        "mentors[1].level: expected an integer, got 'senior'",
        id="level-type",
    ),
    pytest.param(
        mutate("mentees.0.learns", ["genai"]),
        "mentees[0].learns: expected an object mapping topic to integer priority 1-3, "
        "got ['genai']",
        id="topics-type",
    ),
    pytest.param(
        mutate("mentees.0.learns", {"genai": "high"}),
        "mentees[0].learns: expected an object mapping topic to integer priority 1-3, "
        "got {'genai': 'high'}",
        id="topic-value-type",
    ),
    pytest.param(
        mutate("mentors.0.teaches", {"genai": 5}),
        "participant 'r1': teaches['genai'] must be an integer 1-3, got 5",
        id="proficiency-range",
    ),
    pytest.param(
        mutate("mentees.0.timezone", "Mars/Olympus"),
        "participant 'e1': unknown time zone 'Mars/Olympus'",
        id="timezone",
    ),
    pytest.param(
        mutate("mentees.0.availability", [[7, 0, 60]]),
        "participant 'e1': availability window (7, 0, 60) must be (weekday 0-6, start, end) "
        "with 0 <= start < end <= 1440",
        id="window",
    ),
    pytest.param(
        mutate("mentees.0.availability", [[0, 600]]),
        "mentees[0].availability: expected a list of [weekday, start_minute, end_minute], "
        "got [[0, 600]]",
        id="window-shape",
    ),
    pytest.param(
        mutate("mentees.0.languages", "German"),
        "mentees[0].languages: expected a list of strings, got 'German'",
        id="languages-type",
    ),
    pytest.param(
        mutate("mentees.0.shoe_size", 42),
        "mentees[0]: unknown field(s) shoe_size",
        id="unknown-field",
    ),
    pytest.param(
        mutate("mentees.0", {"level": 3}),
        "mentees[0]: missing field id",
        id="missing-id",
    ),
    pytest.param(
        mutate("rules.objective", "happiness"),
        "rules.objective: expected one of participation, score, got 'happiness'",
        id="objective",
    ),
    pytest.param(
        mutate("rules", {"objective": "score", "fairness": True}),
        "rules.fairness requires objective 'participation'",
        id="fairness-score",
    ),
    pytest.param(
        mutate("rules.reference_week", "2025-01-07"),
        "rules.reference_week must be a Monday",
        id="reference-week",
    ),
    pytest.param(
        mutate("rules.min_seniority_gap", -1),
        "rules.min_seniority_gap must be an integer between 0 and 2000000",
        id="negative-gap",
    ),
    pytest.param(
        mutate("weights", {"topic_coverage": -1}),
        "weights must be finite non-negative numbers",
        id="negative-weight",
    ),
    pytest.param(
        mutate(
            "weights",
            {
                "topic_coverage": 0,
                "reverse_coverage": 0,
                "availability": 0,
                "department_diversity": 0,
                "pairing_request": 0,
            },
        ),
        "at least one weight must be positive",
        id="zero-weights",
    ),
    pytest.param(
        mutate("locked", [["r1", "e1"], ["r2", "e1"]]),
        "mentee 'e1' is locked to 2 mentors",
        id="mentee-locked-twice",
    ),
    pytest.param(
        mutate("locked", [["r2", "e1"], ["r2", "e2"]]),
        "mentor 'r2' has 2 locked pairs but capacity 1",
        id="locks-over-capacity",
    ),
    pytest.param(
        {**mutate("locked", [["r1", "e1"]]), "rejected": [["r1", "e1"]]},
        "pair (r1, e1) is both locked and rejected",
        id="locked-and-rejected",
    ),
    pytest.param(
        {**base_problem(), "org_managers": {"r1": "ceo", "e2": "ceo", "ceo": None}},
        "participant 'r1': manager_id 'e2' conflicts with org_managers 'ceo'",
        id="manager-conflict",
    ),
    pytest.param(
        mutate("locked", "r1-e1"),
        "locked: expected a list of [mentor_id, mentee_id], got 'r1-e1'",
        id="locked-type",
    ),
    pytest.param([1, 2], "problem: expected a JSON object", id="not-an-object"),
    pytest.param(
        {**base_problem(), "cohort": "x"}, "problem: unknown field(s) cohort", id="top-key"
    ),
]


# Inputs an independent oracle crashed the reader with (issue 14, section 2), and the other
# numbers of the format out of their documented bounds: an error line each, never a traceback.
OUT_OF_BOUNDS = [
    pytest.param(
        mutate("mentees.0.timezone", "Europe"),
        "participant 'e1': unknown time zone 'Europe'",
        id="timezone-directory",
    ),
    pytest.param(
        mutate("mentees.0.timezone", "A" * 300),
        "participant 'e1': unknown time zone 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA...",
        id="timezone-300-characters",
    ),
    pytest.param(
        mutate("mentors.0.level", 10**30),
        "participant 'r1': level must be an integer between -1000000 and 1000000, "
        "got an integer of 31 digits",
        id="level-10e30",
    ),
    pytest.param(
        mutate("mentees.0.level", 2**62),
        "participant 'e1': level must be an integer between -1000000 and 1000000, "
        "got 4611686018427387904",
        id="level-2e62",
    ),
    pytest.param(
        mutate("mentors.0.level", -(2**62)),
        "participant 'r1': level must be an integer between -1000000 and 1000000, "
        "got -4611686018427387904",
        id="level-minus-2e62",
    ),
    pytest.param(
        mutate("mentors.0.capacity", 10**40),
        "mentor 'r1' has capacity an integer of 41 digits; capacity must be between 1 and 3",
        id="capacity-huge",
    ),
    pytest.param(
        mutate("mentees.0.availability", [[0, 480, 10**40]]),
        "participant 'e1': availability window (0, 480, an integer of 41 digits) must be "
        "(weekday 0-6, start, end) with 0 <= start < end <= 1440",
        id="window-minute-huge",
    ),
    pytest.param(
        mutate("mentors.0.teaches", {f"t{k}": 1 for k in range(101)}),
        "participant 'r1': teaches lists 101 topics; at most 100",
        id="too-many-topics",
    ),
    pytest.param(
        mutate("mentees.0.availability", [[k % 7, 0, 60] for k in range(101)]),
        "participant 'e1': 101 availability windows; at most 100",
        id="too-many-windows",
    ),
    pytest.param(
        mutate("rules.min_seniority_gap", 2**62),
        "rules.min_seniority_gap must be an integer between 0 and 2000000",
        id="gap-2e62",
    ),
    pytest.param(
        mutate("rules.manager_chain_depth", 101),
        "rules.manager_chain_depth must be an integer between 0 and 100",
        id="chain-depth",
    ),
    pytest.param(
        mutate("rules.overlap_target_minutes", 10**30),
        "rules.overlap_target_minutes must be an integer between 1 and 10080 (a week)",
        id="overlap-target",
    ),
    pytest.param(
        mutate("rules.reference_week", "9999-12-27"),
        "rules.reference_week must be a Monday in the years 1972-2100",
        id="reference-week-9999",
    ),
    pytest.param(
        mutate("rules.reference_week", "0001-01-01"),
        "rules.reference_week must be a Monday in the years 1972-2100",
        id="reference-week-0001",
    ),
    pytest.param(
        mutate("weights", {"topic_coverage": 1e300}),
        "weights.reverse_coverage is 0.15, less than a millionth of the largest weight "
        "(1e+300) and would count as 0: set it to 0 or raise it",
        id="weight-1e300-beside-defaults",
    ),
    pytest.param(
        mutate("weights", {"topic_coverage": 1e-50}),
        "weights.topic_coverage is 1e-50, less than a millionth of the largest weight (0.2) "
        "and would count as 0: set it to 0 or raise it",
        id="weight-1e-50-beside-others",
    ),
    pytest.param(
        mutate("weights", {"topic_coverage": 10**40}),
        "weights.topic_coverage: expected a number, got an integer of 41 digits",
        id="weight-long-integer",
    ),
]


@pytest.mark.parametrize(("data", "message"), BAD_INPUTS + OUT_OF_BOUNDS)
def test_invalid_input_exits_2_with_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], data: Any, message: str
):
    code, output = run(tmp_path, data)
    assert code == 2
    assert output == ""
    assert f"error: {message}\n" in capsys.readouterr().err


def test_a_5000_digit_integer_is_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    raw = json.dumps(base_problem()).replace('"level": 1,', '"level": ' + "9" * 5000 + ",", 1)
    code, output = run(tmp_path, None, raw=raw)
    assert (code, output) == (2, "")
    assert capsys.readouterr().err == (
        "error: participant 'r1': level must be an integer between -1000000 and 1000000, "
        "got an integer of 5000 digits\n"
    )


def test_deep_nesting_is_refused_with_an_error_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    code, output = run(tmp_path, None, raw="[" * 100_000 + "]" * 100_000)
    assert (code, output) == (2, "")
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'problem.json'}: arrays and objects nest 100000 levels deep; "
        "a problem file nests at most 32\n"
    )


def test_brackets_inside_strings_do_not_count_as_nesting(tmp_path: Path):
    data = mutate("mentors.0.name", '[[[[{{{{ "quoted" \\' + "[" * 100)
    code, output = run(tmp_path, data)
    assert code == 0
    assert json.loads(output)["stats"]["matched"] == 2


def test_invalid_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code, _ = run(tmp_path, None, raw="{not json")
    assert code == 2
    assert "is not valid JSON" in capsys.readouterr().err


def test_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["solve", str(tmp_path / "nope.json")])
    assert code == 2
    assert "error: cannot read" in capsys.readouterr().err


def test_every_error_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    data = mutate("mentors.0.capacity", 0)
    data["locked"] = [["r1", "ghost"]]
    assert run(tmp_path, data)[0] == 2
    err = capsys.readouterr().err
    assert "capacity 0" in err
    assert "unknown mentee id" in err


def test_module_entry_point_runs_without_django(tmp_path: Path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(base_problem()), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stats"]["matched"] == 2
    probe = subprocess.run(
        [sys.executable, "-c", "import sys, matching.cli; print('django' in sys.modules)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert probe.stdout.strip() == "False"


def test_bad_input_via_module_exits_2(tmp_path: Path):
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(mutate("mentors.0.capacity", 0)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "matching", "solve", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert "error: mentor 'r1' has capacity 0" in done.stderr


def chain_problem(length: int) -> dict[str, Any]:
    """One mentor and `length` mentees, each the manager of the next."""
    mentees = [
        {"id": f"e{k:06d}", "level": 5, "languages": ["en"],
         "manager_id": f"e{k - 1:06d}" if k else None}
        for k in range(length)
    ]
    return {"mentors": [{"id": "r0", "level": 1, "languages": ["en"]}], "mentees": mentees}


def test_manager_chains_are_checked_once_per_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    import matching.problem

    calls = []
    check = matching.problem.manager_chain_errors

    def counted(problem: Any) -> Any:
        calls.append(problem)
        return check(problem)

    monkeypatch.setattr(matching.problem, "manager_chain_errors", counted)
    code, _ = run(tmp_path, chain_problem(10))
    assert code == 0
    assert len(calls) == 1


def test_the_cycle_check_visits_each_person_once():
    from matching.problem import manager_cycles

    class Counting(dict):
        lookups = 0

        def get(self, key: Any, default: Any = None) -> Any:
            Counting.lookups += 1
            return super().get(key, default)

    length = 20_000
    managers = Counting({f"p{k:06d}": f"p{k - 1:06d}" if k else None for k in range(length)})
    managers["p000000"] = f"p{length - 1:06d}"  # close the loop: one cycle of everybody
    cycles = manager_cycles(managers)
    assert len(cycles) == 1
    assert len(cycles[0]) == length
    assert cycles[0][0] == "p000000"
    assert Counting.lookups == length


def test_a_20000_manager_chain_is_read_in_linear_time(tmp_path: Path):
    # Quadratic before: 5,000 / 10,000 / 20,000 took 6.4 / 29.9 / 153.7 s in the oracle's run.
    import time

    started = time.perf_counter()
    code, output = run(tmp_path, chain_problem(20_000))
    assert code == 0
    assert json.loads(output)["stats"]["mentees"] == 20_000
    assert time.perf_counter() - started < 30  # linear: about 2 s; quadratic: minutes


def test_streamed_scores_are_the_bytes_json_dump_writes(tmp_path: Path):
    from matching.engine import result_to_dict, solve
    from matching.problem import problem_from_dict

    for data in (base_problem(), mutate("mentees", []), mutate("mentors.0.capacity", 3)):
        code, output = run(tmp_path, data, "--scores")
        assert code == 0
        expected = result_to_dict(solve(problem_from_dict(data), include_scores=True))
        assert output == json.dumps(expected, indent=2, sort_keys=True) + "\n"


def test_scores_are_streamed_in_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # Before, --scores built a dictionary per feasible pair before writing (3.3 GB and 426 s at
    # 2,000 x 2,000; here 62,500 pairs took 30 MB more than the solve); now a block of
    # BLOCK_PAIRS pairs at a time, so the scores cost no memory beyond the solve's own.
    import tracemalloc

    import matching.score_table

    monkeypatch.setattr(matching.score_table, "BLOCK_PAIRS", 2_000)
    people = 250
    data = {
        "rules": {"min_seniority_gap": 0, "manager_chain_depth": 0},
        "mentors": [{"id": f"r{k:03d}", "languages": ["en"], "teaches": {"t": 1 + k % 3}}
                    for k in range(people)],
        "mentees": [{"id": f"e{k:03d}", "languages": ["en"], "learns": {"t": 1 + k % 3}}
                    for k in range(people)],
    }
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    out = tmp_path / "out.json"
    peaks = {}
    for extra in ((), ("--scores",)):
        with out.open("w", encoding="utf-8") as stdout:
            tracemalloc.start()
            try:
                assert main(["solve", str(path), *extra], stdout=stdout) == 0
                peaks[extra] = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
    written = out.stat().st_size
    assert len(json.loads(out.read_text(encoding="utf-8"))["scores"]) == people * people
    assert written > 10_000_000
    assert peaks[("--scores",)] < peaks[()] + 3_000_000, (peaks, written)


def test_stats_report_the_worst_pair_with_and_without_locks(tmp_path: Path):
    # r2 locked to e1 (no shared language: a weak pair); r1 then takes nobody it may take.
    data = mutate("locked", [["r2", "e1"]])
    stats = json.loads(run(tmp_path, data)[1])["stats"]
    pairs = json.loads(run(tmp_path, data)[1])["pairs"]
    locked = [p["score"] for p in pairs if p["locked"]]
    chosen = [p["score"] for p in pairs if not p["locked"]]
    assert stats["min_pair_score"] == min(locked + chosen)
    assert stats["min_proposed_score"] == (min(chosen) if chosen else None)
