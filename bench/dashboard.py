"""Benchmark of the executive dashboard and HR analytics: one organization with 1,000 pairs,
20,000 sessions and 10,000 survey responses, through the real views and the API.

    DATABASE_URL=postgres://app:app@127.0.0.1:5432/app_bench \\
        .venv/bin/python bench/dashboard.py                 # 1,000 pairs (PostgreSQL)
    .venv/bin/python bench/dashboard.py --pairs 200         # embedded SQLite file

It creates a throwaway test database, fills it (the pairs, sessions, goals and commitments of
bench/pair_health.py, plus topics on the held sessions, session ratings, and the responses of
a baseline, a midpoint and a final anonymous survey and of the after-session survey, with
their released answers), runs ANALYZE as autovacuum would, and prints for each dashboard (the
organization-wide roll-up, one program, one cohort, a date range; the HR analytics page; the
API; a CSV export) the median and best wall time of several requests through the whole
middleware stack and the number of SQL queries of one. It also prints each section's own
time, computed by the selectors without the page around them.

Timing never fails the run: the numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
from pathlib import Path
from time import perf_counter

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.throwaway_db import run_on_throwaway_database  # noqa: E402

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=20_000)
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--profile", action="store_true",
                        help="also print where the org-wide page spends its time (cProfile)")
    args = parser.parse_args()

    run_on_throwaway_database("dashboard", lambda: run(args))


TOPICS = ["AI tools", "Social media", "Gen Z customers", "Inclusion", "Hybrid work",
          "Data literacy", "Cyber hygiene", "Creator economy"]
DEPARTMENTS = ["Sales", "Marketing", "Finance", "Engineering", "Operations", "Legal"]


def fill_surveys(args, organization, cohort, rng: random.Random) -> int:
    """Topics on held sessions, session ratings, and ``args.responses`` survey responses:
    one per participant for the baseline, midpoint and final surveys (as far as they go),
    the rest after sessions. Anonymous answers are written released (as blocks of k would
    be), with their role and department labels."""
    from django.utils import timezone

    from core.tenancy import organization_scope
    from feedback.catalog import TEMPLATES
    from feedback.models import (
        Answer,
        AttributedAnswer,
        Question,
        Response,
        Survey,
        SurveyKind,
    )
    from programs.models import Participant, Profile, Topic
    from sessions.models import MentoringSession, SessionRating, SessionStatus, SessionTopic

    today = timezone.localdate()
    with organization_scope(organization):
        topics = Topic.objects.bulk_create([
            Topic(organization=organization, name=name, slug=name.lower().replace(" ", "-"))
            for name in TOPICS])
        profiles = list(Profile.objects.all())
        for index, profile in enumerate(profiles):
            profile.department = DEPARTMENTS[index % len(DEPARTMENTS)]
        Profile.objects.bulk_update(profiles, ["department"], batch_size=2000)
        held = list(MentoringSession.objects.filter(status=SessionStatus.HAPPENED)
                    .values_list("pk", "pair__mentee_id", "starts_at"))
        SessionTopic.objects.bulk_create([
            SessionTopic(organization=organization, session_id=pk, topic=topic)
            for pk, _, _ in held for topic in rng.sample(topics, rng.randint(1, 2))],
            batch_size=5000)
        SessionRating.objects.bulk_create([
            SessionRating(organization=organization, session_id=pk, participant_id=mentee,
                          value=rng.choice((3, 4, 4, 5, 5)))
            for pk, mentee, _ in held if rng.random() < 0.7], batch_size=5000)

        people = list(Participant.objects.values_list("pk", "role", "profile__department"))
        written, remaining = 0, args.responses
        surveys = []
        for offset, key in ((-110, "baseline"), (-50, "midpoint"), (-5, "final")):
            template = TEMPLATES[key]
            survey = Survey.objects.create(
                organization=organization, cohort=cohort, kind=template.kind,
                title=template.title, anonymous=True,
                opens_on=today + dt.timedelta(days=offset),
                closes_on=today + dt.timedelta(days=offset + 14),
                published_at=dt.datetime.now(dt.UTC))
            questions = Question.objects.bulk_create([
                Question(organization=organization, survey=survey, position=position,
                         kind=question.kind, text=question.text, audience=question.audience,
                         choices=list(question.choices), builtin_key=question.key)
                for position, question in enumerate(template.questions)])
            surveys.append((survey, questions, offset))
        for survey, questions, offset in surveys:
            chosen = people[:max(0, min(len(people), remaining))]
            remaining -= len(chosen)
            released_on = today + dt.timedelta(days=offset + 7)
            Response.objects.bulk_create([
                Response(organization=organization, survey=survey, participant_id=pk,
                         responded_on=released_on) for pk, _, _ in chosen], batch_size=5000)
            lift = {"baseline": 0, "midpoint": 1, "final": 1}[survey.kind]
            answers = []
            for _, role, department in chosen:
                for question in questions:
                    if question.audience not in ("both", role):
                        continue
                    base = {"organization": organization, "survey": survey,
                            "question": question, "role": role, "department": department,
                            "released_on": released_on}
                    if question.kind == "topic_scale":
                        for topic in rng.sample(topics, 2):
                            answers.append(Answer(**base, topic=topic, number=min(
                                5, rng.randint(1, 4) + lift)))
                    elif question.kind == "scale":
                        answers.append(Answer(**base, number=min(5, rng.randint(2, 4) + lift)))
                    elif question.kind == "nps":
                        answers.append(Answer(**base, number=rng.randint(5, 10)))
                    elif question.kind in ("single", "multiple"):
                        answers.append(Answer(**base, choices=[rng.choice(question.choices)]))
                    else:
                        answers.append(Answer(**base, text="Something I learned."))
            Answer.objects.bulk_create(answers, batch_size=5000)
            written += len(chosen)
        post = TEMPLATES["post_session"]
        survey = Survey.objects.create(organization=organization, cohort=cohort,
                                       kind=SurveyKind.POST_SESSION, title=post.title,
                                       anonymous=False)
        rating = Question.objects.create(organization=organization, survey=survey,
                                         kind="scale", text=post.questions[0].text,
                                         builtin_key=post.questions[0].key)
        after = [(pk, mentee, starts) for pk, mentee, starts in held][:max(0, remaining)]
        responses = Response.objects.bulk_create([
            Response(organization=organization, survey=survey, participant_id=mentee,
                     session_id=pk, responded_on=starts.date())
            for pk, mentee, starts in after], batch_size=5000)
        AttributedAnswer.objects.bulk_create([
            AttributedAnswer(organization=organization, response=response, survey=survey,
                             question=rating, number=rng.choice((3, 4, 5)))
            for response in responses], batch_size=5000)
        written += len(responses)
    return written


def measure(client, url: str, repeat: int) -> tuple[float, float, int, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, status = [], 0
    content = b""
    for _ in range(repeat):
        started = perf_counter()
        response = client.get(url)
        content = b"".join(response.streaming_content) if response.streaming \
            else response.content
        times.append((perf_counter() - started) * 1000)
        status = response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), min(times), len(queries.captured_queries), len(content), \
        status


def _url(name: str, **kwargs) -> str | None:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def run(args) -> None:
    from django.db import connection
    from django.test import Client

    from bench.pair_health import fill
    from core.tenancy import organization_scope
    from dashboards.selectors import dashboard_panels, dashboard_scope

    started = perf_counter()
    rng = random.Random(args.seed)
    organization, admin, cohort, sessions = fill(args)
    responses = fill_surveys(args, organization, cohort, rng)
    print(f"filled {args.pairs:,} pairs, {sessions:,} sessions, {responses:,} survey "
          f"responses in {perf_counter() - started:.1f} s")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # what autovacuum does soon after a bulk load
            cursor.execute("ANALYZE")
        print("ANALYZE done (as autovacuum would after the bulk load)")

    with organization_scope(organization):
        scope = dashboard_scope(organization=organization)
        print(f"\n{'section (selectors only)':40} {'median ms':>10} {'queries':>8} "
              f"{'panels':>7}")
        from django.test.utils import CaptureQueriesContext

        from dashboards.selectors import dashboard_sections

        for section in dashboard_sections(hr=True):
            times = []
            for _ in range(args.repeat):
                begun = perf_counter()
                panels = section.build(scope=scope)
                times.append((perf_counter() - begun) * 1000)
            with CaptureQueriesContext(connection) as queries:
                section.build(scope=scope)
            print(f"{section.key:40} {statistics.median(times):10.1f} "
                  f"{len(queries.captured_queries):8d} {len(panels):7d}")
            if args.profile:
                sql_ms = sum(float(query["time"]) for query in queries.captured_queries) * 1000
                print(f"    SQL {sql_ms:.1f} ms; slowest:")
                for query in sorted(queries.captured_queries,
                                    key=lambda q: -float(q["time"]))[:3]:
                    print(f"    {float(query['time']) * 1000:7.1f}  {query['sql'][:160]}")
        begun = perf_counter()
        dashboard_panels(scope=scope, hr=False)
        print(f"{'all executive sections, once':40} {(perf_counter() - begun) * 1000:10.1f}")

    client = Client()
    client.force_login(admin)
    org = organization.slug
    month_ago = (scope.today - dt.timedelta(days=30)).isoformat()
    cases = [
        ("dashboard, organization-wide", _url("dashboards:dashboard", org_slug=org), ""),
        ("dashboard, one program", _url("dashboards:dashboard", org_slug=org),
         f"?program={cohort.program_id}"),
        ("dashboard, one cohort", _url("dashboards:dashboard", org_slug=org),
         f"?cohort={cohort.pk}"),
        ("dashboard, last 30 days", _url("dashboards:dashboard", org_slug=org),
         f"?date_from={month_ago}"),
        ("HR analytics", _url("dashboards:hr", org_slug=org), ""),
        ("printable view", _url("dashboards:print", org_slug=org), ""),
        ("CSV of the funnel", _url("dashboards:panel_csv", org_slug=org, key="funnel"), ""),
        ("API: every panel", _url("api_dashboard", org_slug=org), ""),
    ]
    print(f"\n{'request':40} {'median ms':>10} {'best ms':>9} {'queries':>8} {'bytes':>10}")
    for label, url, query in cases:
        if url is None:
            print(f"{label:40} (no such route yet)")
            continue
        median, best, queries, size, status = measure(client, url + query, args.repeat)
        flag = "" if status == 200 else f"  HTTP {status}"
        print(f"{label:40} {median:10.1f} {best:9.1f} {queries:8d} {size:10,d}{flag}")
    if args.profile and cases[0][1]:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        client.get(cases[0][1])
        profiler.disable()
        print("\norganization-wide page, by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
