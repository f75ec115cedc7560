"""HR's pair health: the rule (pure), the activity hook, the page (filters, sort, 50 a page,
constant queries), the CSV export, what it never shows (summaries, notes, goal and
commitment texts, ratings), HR's pair page and actions, the people's own actions on My
pairs, and the API of both."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.models import Notification
from core.tenancy import organization_scope
from matching import activity, health
from matching import pair_lifecycle as lifecycle
from matching.activity import PairActivity
from matching.models import Pair, PairEndReason, PairEvent, PairEventKind, PairStatus
from programs.models import ParticipantRole
from tests.factories.matching import PairFactory, live_cohort, matching_participant
from tests.factories.programs import ParticipantFactory
from tests.matching.activity_sources import (
    activity_source,
    fixed_activity,
    registered_or_sessions_activity,
    sessions_activity,
)

pytestmark = pytest.mark.django_db
TODAY = dt.date(2027, 3, 1)


# --- the rule (pure) ---------------------------------------------------------------------------

def facts(**overrides) -> health.PairFacts:
    values = {"status": "active", "started": TODAY - dt.timedelta(days=30),
              "runs_until": TODAY + dt.timedelta(days=100), "cadence_days": 14}
    return health.PairFacts(**{**values, **overrides})


@pytest.mark.parametrize(("overrides", "status", "expected"), [
    ({"started": TODAY - dt.timedelta(days=10)}, health.ON_TRACK, 0),  # first cadence: grace
    ({"sessions_held": 2, "last_session": TODAY - dt.timedelta(days=3)}, health.ON_TRACK, 2),
    ({"sessions_held": 1, "last_session": TODAY - dt.timedelta(days=3)}, health.SLIPPING, 2),
    ({"sessions_held": 0}, health.AT_RISK, 2),
    # enough sessions, but none for a while
    ({"sessions_held": 2, "last_session": TODAY - dt.timedelta(days=15)}, health.SLIPPING, 2),
    ({"sessions_held": 2, "last_session": TODAY - dt.timedelta(days=29)}, health.AT_RISK, 2),
    # a pause is time off: neither expected nor quiet
    ({"sessions_held": 1, "last_session": TODAY - dt.timedelta(days=25), "paused_days": 16,
      "resumed_on": TODAY - dt.timedelta(days=2)}, health.ON_TRACK, 1),
    ({"status": "paused", "paused_since": TODAY - dt.timedelta(days=20)}, health.PAUSED, 0),
    ({"status": "ended", "ended_on": TODAY - dt.timedelta(days=2)}, health.ENDED, 2),
    # the cohort ended 20 days ago: nothing more is expected after its end
    ({"started": TODAY - dt.timedelta(days=60), "runs_until": TODAY - dt.timedelta(days=20),
      "sessions_held": 2}, health.AT_RISK, 2),
])
def test_the_health_rule(overrides, status, expected):
    result = health.assess(facts(**overrides), TODAY)

    assert (result.status, result.expected) == (status, expected)


def test_the_reasons_are_counts_and_days():
    result = health.assess(facts(sessions_held=1, last_session=TODAY - dt.timedelta(days=20)),
                           TODAY)

    assert result.reasons == ["1 of 2 expected sessions held", "no session for 20 days"]
    assert health.assess(facts(), TODAY).reasons == ["0 of 2 expected sessions held",
                                                     "no session yet after 30 days"]


def test_a_cadence_below_one_day_is_refused():
    with pytest.raises(ValueError, match="cadence_days"):
        health.assess(facts(cadence_days=0), TODAY)


RANK = {health.ON_TRACK: 0, health.SLIPPING: 1, health.AT_RISK: 2}


@given(held=st.integers(0, 12), extra=st.integers(1, 5), days=st.integers(0, 200),
       quiet=st.integers(0, 200), cadence=st.integers(1, 30))
def test_holding_more_sessions_never_makes_a_pair_look_worse(held, extra, days, quiet,
                                                              cadence):
    started = TODAY - dt.timedelta(days=days)
    last = max(started, TODAY - dt.timedelta(days=quiet))
    fewer = health.assess(facts(started=started, cadence_days=cadence, sessions_held=held,
                                last_session=last if held else None), TODAY)
    more = health.assess(facts(started=started, cadence_days=cadence,
                               sessions_held=held + extra, last_session=last), TODAY)

    assert RANK[more.status] <= RANK[fewer.status]
    assert more.expected == fewer.expected == max(0, days // cadence)


# --- the activity hook -------------------------------------------------------------------------

def test_the_source_registered_last_is_read_and_the_previous_one_is_returned():
    first, second = fixed_activity({}), fixed_activity({})
    with activity_source(first):
        assert activity.register_pair_activity_source(second) is first
        assert activity._source == [second]


# --- the page -----------------------------------------------------------------------------------

@pytest.fixture
def active_cohort(scoped_organization):
    return live_cohort(scoped_organization, mentors=4, mentees=4, started_days_ago=45)


def since_the_start(cohort, pairs: list[Pair]) -> list[Pair]:
    """Pairs published before the cohort started (as a run's pairs are)."""
    published = dt.datetime.combine(cohort.start_date - dt.timedelta(days=3), dt.time(9),
                                    tzinfo=dt.UTC)
    Pair.objects.filter(pk__in=[p.pk for p in pairs]).update(created_at=published)
    for pair in pairs:
        pair.created_at = published
    return pairs


@pytest.fixture
def pairs(active_cohort):
    return since_the_start(active_cohort.cohort, [
        PairFactory(cohort=active_cohort.cohort, mentor=active_cohort.mentors[i],
                    mentee=active_cohort.mentees[i])
        for i in range(3)])


def health_url(cohort, **query) -> str:
    url = reverse("matching:pair_health", kwargs={"org_slug": cohort.organization.slug,
                                                  "cohort_pk": cohort.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def rows_of(response) -> list[tuple[int, str]]:
    return [(row.pair_id, row.health.status) for row in response.context["rows"]]


def test_without_sessions_every_pair_shows_no_sessions_yet(admin_client, active_cohort, pairs):
    with activity_source(fixed_activity({})):
        response = admin_client.get(health_url(active_cohort.cohort))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count("No sessions yet") == 3
    # 45 days at a 14-day cadence: 3 expected, none held: at risk
    assert sorted(rows_of(response)) == [(p.pk, health.AT_RISK) for p in pairs]
    assert "0 / 3" in body


def test_each_pair_shows_its_counts_from_the_sessions(admin_client, active_cohort, pairs):
    today = lifecycle.organization_today(active_cohort.cohort.organization)
    on_track, slipping, _ = pairs
    source = fixed_activity({
        on_track.pk: PairActivity(sessions_held=3, last_session=today - dt.timedelta(days=2),
                                  goals=4, goals_with_progress=3, open_commitments=2),
        slipping.pk: PairActivity(sessions_held=2, last_session=today - dt.timedelta(days=5)),
    })
    with activity_source(source):
        response = admin_client.get(health_url(active_cohort.cohort, sort="attention"))

    statuses = dict(rows_of(response))
    assert statuses == {on_track.pk: health.ON_TRACK, slipping.pk: health.SLIPPING,
                        pairs[2].pk: health.AT_RISK}
    assert [pk for pk, _ in rows_of(response)] == [pairs[2].pk, slipping.pk, on_track.pk]
    row = next(r for r in response.context["rows"] if r.pair_id == on_track.pk)
    assert (row.activity.sessions_held, row.health.expected, row.goal_share_percent,
            row.activity.open_commitments) == (3, 3, 75, 2)
    assert response.context["listing"].counts == {
        "on_track": 1, "slipping": 1, "at_risk": 1, "paused": 0, "ended": 0,
        "end_requested": 0}


def test_filters_and_sort_live_in_the_query_string(admin_client, active_cohort, pairs, admin_user):
    lifecycle.pair_pause(pair=pairs[0], actor=admin_user, as_admin=True,
                         until=lifecycle.organization_today(active_cohort.cohort.organization)
                         + dt.timedelta(days=9))
    lifecycle.pair_end(pair=pairs[1], actor=admin_user, reason=PairEndReason.GOALS_COMPLETED)
    mentee_name = pairs[2].mentee.membership.user.display_name

    with activity_source(fixed_activity({})):
        paused = admin_client.get(health_url(active_cohort.cohort, health="paused"))
        ended = admin_client.get(health_url(active_cohort.cohort, health="ended"))
        found = admin_client.get(health_url(active_cohort.cohort, q=mentee_name.split()[1]))
        by_mentee = admin_client.get(health_url(active_cohort.cohort, sort="-mentee"))
        bad = admin_client.get(health_url(active_cohort.cohort, health="great"))

    assert rows_of(paused) == [(pairs[0].pk, health.PAUSED)]
    assert rows_of(ended) == [(pairs[1].pk, health.ENDED)]
    assert [pk for pk, _ in rows_of(found)] == [pairs[2].pk]
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.content.decode()
    assert by_mentee.status_code == 400  # "-mentee" is not a sort: refused, not guessed


def test_fifty_pairs_a_page(admin_client, scoped_organization):
    active_cohort = live_cohort(scoped_organization, mentors=1, mentees=0)
    cohort = active_cohort.cohort
    for _ in range(51):
        PairFactory(cohort=cohort, mentor=active_cohort.mentors[0],
                    mentee=ParticipantFactory(cohort=cohort, role=ParticipantRole.MENTEE))

    with activity_source(fixed_activity({})):
        first = admin_client.get(health_url(cohort, sort="mentee"))
        second = admin_client.get(health_url(cohort, sort="mentee", page=2))

    assert len(first.context["rows"]) == 50
    assert len(second.context["rows"]) == 1
    assert "Pairs 51–51 of 51" in second.content.decode()
    shown = [pk for pk, _ in rows_of(first) + rows_of(second)]
    assert sorted(shown) == sorted(Pair.objects.filter(cohort=cohort).values_list("pk",
                                                                                   flat=True))
    assert 'href="?sort=mentee&amp;page=2"' in first.content.decode()


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_page_uses_the_same_queries_for_1_and_20_pairs(admin_client, scoped_organization,
                                                           django_assert_num_queries):
    active_cohort = live_cohort(scoped_organization, mentors=1, mentees=0)
    cohort = active_cohort.cohort

    def add_pair():
        return PairFactory(cohort=cohort, mentor=active_cohort.mentors[0],
                           mentee=ParticipantFactory(cohort=cohort, role=ParticipantRole.MENTEE))

    with activity_source(sessions_activity):
        add_pair()
        one = _page_queries(admin_client, health_url(cohort))
        for _ in range(19):
            add_pair()
        with django_assert_num_queries(one):
            response = admin_client.get(health_url(cohort))
        api = reverse("api_matching_pair_health", kwargs={"org_slug": cohort.organization.slug,
                                                           "cohort_pk": cohort.pk})
        api_twenty = _page_queries(admin_client, api)
        Pair.objects.filter(cohort=cohort).exclude(
            pk=Pair.objects.filter(cohort=cohort).order_by("pk").first().pk).delete()
        assert _page_queries(admin_client, api) == api_twenty
    assert len(response.context["rows"]) == 20


# --- what pair health never shows ---------------------------------------------------------------

SENTINELS = {"summary": "SENTINEL-SUMMARY-7f3a", "note": "SENTINEL-NOTE-91bc",
             "goal": "SENTINEL-GOAL-44de", "goal why": "SENTINEL-WHY-0a0a",
             "goal update": "SENTINEL-UPDATE-5e5e", "commitment": "SENTINEL-COMMIT-2c2c",
             "outcome": "SENTINEL-OUTCOME-3d3d", "action item": "SENTINEL-ACTION-6f6f"}


def test_pair_health_never_shows_what_the_pair_wrote_or_a_rating(admin_client, active_cohort,
                                                                 pairs):
    from tests.factories.sessions import (
        ActionItemFactory,
        CommitmentFactory,
        GoalFactory,
        GoalUpdateFactory,
        MentoringSessionFactory,
        PrivateNoteFactory,
        SessionRatingFactory,
    )

    pair = pairs[0]
    session = MentoringSessionFactory(pair=pair, held=True, summary=SENTINELS["summary"])
    PrivateNoteFactory(pair=pair, session=session, text=SENTINELS["note"])
    goal = GoalFactory(pair=pair, title=SENTINELS["goal"], why=SENTINELS["goal why"])
    GoalUpdateFactory(goal=goal, comment=SENTINELS["goal update"], percent=40)
    CommitmentFactory(pair=pair, text=SENTINELS["commitment"], shared_with_program=True,
                      outcome_note=SENTINELS["outcome"])
    ActionItemFactory(session=session, text=SENTINELS["action item"])
    SessionRatingFactory(session=session, value=2)
    slug = active_cohort.cohort.organization.slug
    urls = [health_url(active_cohort.cohort), health_url(active_cohort.cohort, q="Leader"),
            reverse("matching:pair_health_csv", kwargs={"org_slug": slug,
                                                         "cohort_pk": active_cohort.cohort.pk}),
            reverse("matching:pair_hr", kwargs={"org_slug": slug, "pair_pk": pair.pk}),
            reverse("api_matching_pair_health", kwargs={"org_slug": slug,
                                                         "cohort_pk": active_cohort.cohort.pk}),
            reverse("api_matching_pair", kwargs={"org_slug": slug, "pair_pk": pair.pk})]

    with activity_source(registered_or_sessions_activity()):
        responses = {url: admin_client.get(url) for url in urls}

    for url, response in responses.items():
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming \
            else response.content
        text = body.decode("utf-8-sig")
        assert [name for name, value in SENTINELS.items() if value in text] == [], url
        assert "rating" not in text.lower(), url
    # … while the counts did arrive
    row = responses[urls[0]].context["rows"]
    mine = next(r for r in row if r.pair_id == pair.pk)
    assert (mine.activity.sessions_held, mine.activity.goals, mine.activity.goals_with_progress,
            mine.activity.open_commitments) == (1, 1, 1, 1)


# --- the CSV export -----------------------------------------------------------------------------

def test_the_export_has_every_filtered_pair_with_formula_cells_neutralised(admin_client,
                                                                           active_cohort,
                                                                           pairs):
    user = pairs[0].mentor.membership.user
    user.full_name = '=HYPERLINK("https://evil.example","Click")'
    user.save()

    with activity_source(fixed_activity({})):
        response = admin_client.get(
            reverse("matching:pair_health_csv", kwargs={
                "org_slug": active_cohort.cohort.organization.slug,
                "cohort_pk": active_cohort.cohort.pk})
            + "?sort=mentor")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["Pair", "Mentor", "Mentor email", "Mentee", "Mentee email", "State",
                           "Health"]
    assert len(rows) == 4
    evil = next(r for r in rows if r[0] == str(pairs[0].pk))
    assert evil[1] == "'=HYPERLINK(\"https://evil.example\",\"Click\")"
    assert evil[5:7] == ["Active", "At risk"]


# --- HR's actions on the web ----------------------------------------------------------------

def pair_url(pair, name="matching:pair_hr") -> str:
    return reverse(name, kwargs={"org_slug": pair.organization.slug, "pair_pk": pair.pk})


def test_hr_nudges_a_pair_from_the_list_once_a_week(admin_client, active_cohort, pairs, mailoutbox,
                                                    django_capture_on_commit_callbacks):
    back = health_url(active_cohort.cohort, health="at_risk")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(pair_url(pairs[0], "matching:pair_hr_nudge"),
                                     {"next": back})
    assert response.status_code == 302
    assert response.url == back
    assert len(mailoutbox) == 2
    assert "Time to meet" in mailoutbox[0].subject

    again = admin_client.post(pair_url(pairs[0], "matching:pair_hr_nudge"), {"next": back})

    assert again.status_code == 400
    assert "already nudged this week" in again.content.decode()
    assert len(mailoutbox) == 2
    with activity_source(fixed_activity({})):
        listed = admin_client.get(back)
    assert "nudged this week" in listed.content.decode()


def test_hr_pair_page_shows_state_history_and_the_actions_it_allows(admin_client, pairs,
                                                                    admin_user):
    pair = pairs[0]
    lifecycle.pair_request_end(pair=pair, actor=pair.mentee.membership.user,
                               reason=PairEndReason.NOT_A_GOOD_FIT, note="Different rhythms")

    with activity_source(fixed_activity({})):
        response = admin_client.get(pair_url(pair))

    body = response.content.decode()
    assert response.status_code == 200
    assert "asked to end this pair" in body
    assert "not a good fit" in body
    assert "“Different rhythms”" in body  # the why, for HR
    assert pair_url(pair, "matching:pair_hr_confirm_end") in body
    assert pair_url(pair, "matching:pair_hr_repair") in body

    confirmed = admin_client.post(pair_url(pair, "matching:pair_hr_confirm_end"))

    assert confirmed.status_code == 302
    pair.refresh_from_db()
    assert (pair.status, pair.end_reason) == (PairStatus.ENDED, PairEndReason.NOT_A_GOOD_FIT)
    with activity_source(fixed_activity({})):
        after = admin_client.get(pair_url(pair)).content.decode()
    assert 'id="actions"' not in after


def test_a_refused_hr_pause_comes_back_with_the_reason_and_changes_nothing(admin_client, pairs,
                                                                           db_snapshot):
    before = db_snapshot()

    response = admin_client.post(pair_url(pairs[0], "matching:pair_hr_pause"),
                                 {"until": "2001-01-01"})

    assert response.status_code == 400
    assert "The return date must be after today." in response.content.decode()
    assert db_snapshot() == before


def test_hr_ends_a_pair_with_a_reason_on_the_web(admin_client, pairs, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    missing = admin_client.post(pair_url(pairs[0], "matching:pair_hr_end"), {})
    assert missing.status_code == 400
    assert "Choose why the pair ends." in missing.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(pair_url(pairs[0], "matching:pair_hr_end"),
                                 {"reason": "left_company"})

    assert done.status_code == 302
    assert Pair.objects.get(pk=pairs[0].pk).end_reason == PairEndReason.LEFT_COMPANY
    assert len(mailoutbox) == 2


def test_hr_repairs_with_the_live_score_and_broken_rules(admin_client, active_cohort, pairs,
                                                         mailoutbox,
                                                         django_capture_on_commit_callbacks):
    same_department = matching_participant(
        active_cohort.cohort, role=ParticipantRole.MENTOR, name="Fin Junior", level=1,
        department="Finance", teaches=[("AI tools", 3)], learns=[("Strategy", 2)])
    url = pair_url(pairs[0], "matching:pair_hr_repair")

    found = admin_client.get(url, {"mentor_q": "Fin Jun"})
    assert "Fin Junior" in found.content.decode()
    checked = admin_client.get(url, {"mentor": same_department.pk,
                                     "mentee": active_cohort.mentees[3].pk})
    body = checked.content.decode()
    assessed = checked.context["assessments"]
    assert [(m.pk, e.pk) for m, e, _ in assessed] == [
        (same_department.pk, pairs[0].mentee_id), (pairs[0].mentor_id, active_cohort.mentees[3].pk)]
    assert f"Score {assessed[0][2].score:.2f}" in body
    assert "Breaks a rule:" in body
    assert assessed[0][2].broken_rules
    assert assessed[1][2].broken_rules == []

    refused = admin_client.post(url, {"mentor": same_department.pk,
                                      "mentee": active_cohort.mentees[3].pk})
    assert refused.status_code == 400
    assert "Give an override reason to re-pair anyway." in refused.content.decode()
    assert Pair.objects.get(pk=pairs[0].pk).status == PairStatus.ACTIVE

    with django_capture_on_commit_callbacks(execute=True):
        done = admin_client.post(url, {"mentor": same_department.pk,
                                       "mentee": active_cohort.mentees[3].pk,
                                       "override_reason": "Different teams"})
    assert done.status_code == 302
    assert Pair.objects.get(pk=pairs[0].pk).end_reason == PairEndReason.RE_PAIRED
    new = Pair.objects.filter(repaired_from=pairs[0]).order_by("pk")
    assert [(p.mentor_id, p.mentee_id) for p in new] == [
        (same_department.pk, pairs[0].mentee_id), (pairs[0].mentor_id, active_cohort.mentees[3].pk)]


# --- the people's own actions ----------------------------------------------------------------

@pytest.fixture
def my_pair(active_cohort, member_user):
    """A pair whose mentee is the member of the ``member_client``."""
    membership = member_user.memberships.get()
    mentee = ParticipantFactory(cohort=active_cohort.cohort, membership=membership,
                                role=ParticipantRole.MENTEE)
    return PairFactory(cohort=active_cohort.cohort, mentor=active_cohort.mentors[3], mentee=mentee)


def test_a_participant_pauses_and_resumes_from_my_pairs(member_client, my_pair, mailoutbox,
                                                         django_capture_on_commit_callbacks):
    my_pairs = reverse("matching:my_pairs", kwargs={"org_slug": my_pair.organization.slug})
    page = member_client.get(my_pairs).content.decode()
    pause_url = pair_url(my_pair, "matching:my_pair_pause")
    assert pause_url in page
    until = lifecycle.organization_today(my_pair.cohort.organization) + dt.timedelta(days=12)

    form = member_client.get(pause_url)
    assert form.status_code == 200
    assert 'for="id_until"' in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = member_client.post(pause_url, {"until": until.isoformat(), "note": "Exams"})

    assert (done.status_code, done.url) == (302, my_pairs)
    page = member_client.get(my_pairs).content.decode()
    assert f"Paused until {until:%A} {until.day} {until:%B %Y}" in page
    assert pair_url(my_pair, "matching:my_pair_resume") in page
    assert [m.to for m in mailoutbox] == [[my_pair.mentor.membership.user.email]]

    member_client.post(pair_url(my_pair, "matching:my_pair_resume"))
    assert Pair.objects.get(pk=my_pair.pk).status == PairStatus.ACTIVE


def test_a_participant_asks_to_end_and_sees_the_request(member_client, my_pair):
    url = pair_url(my_pair, "matching:my_pair_end")

    missing = member_client.post(url, {"reason": "other"})
    assert missing.status_code == 400
    assert "Say why you want to end the pair in a few words." in missing.content.decode()

    member_client.post(url, {"reason": "no_longer_available"})

    page = member_client.get(reverse("matching:my_pairs", kwargs={
        "org_slug": my_pair.organization.slug})).content.decode()
    assert "You asked HR to end this pair" in page
    assert pair_url(my_pair, "matching:my_pair_end_withdraw") in page
    assert PairEvent.objects.get(pair=my_pair).kind == PairEventKind.END_REQUESTED


def test_someone_elses_pair_is_a_404_and_changes_nothing(member_client, pairs, db_snapshot):
    before = db_snapshot()

    for name in ("matching:my_pair_pause", "matching:my_pair_end"):
        assert member_client.get(pair_url(pairs[0], name)).status_code == 404
        assert member_client.post(pair_url(pairs[0], name),
                                  {"until": "2030-01-01", "reason": "other"}).status_code == 404
    assert db_snapshot() == before


# --- the API ----------------------------------------------------------------------------------

def test_api_pair_health_is_paginated_and_filtered(api_client, admin_user, active_cohort, pairs):
    api_client.force_authenticate(admin_user)
    url = reverse("api_matching_pair_health",
                  kwargs={"org_slug": active_cohort.cohort.organization.slug,
                                                       "cohort_pk": active_cohort.cohort.pk})
    lifecycle.pair_end(pair=pairs[1], actor=admin_user, reason=PairEndReason.OTHER,
                       note="Moved to another country")

    with activity_source(fixed_activity({})):
        everything = api_client.get(url).json()
        ended = api_client.get(url, {"health": "ended"}).json()
        wrong = api_client.get(url, {"health": "great"})

    assert everything["count"] == 3
    assert {r["id"] for r in everything["results"]} == {p.pk for p in pairs}
    assert [(r["id"], r["status"], r["end_reason"]) for r in ended["results"]] == [
        (pairs[1].pk, "ended", "other")]
    first = everything["results"][0]
    assert set(first) >= {"mentor", "mentee", "health", "last_session", "sessions_held",
                          "sessions_expected", "goals_with_progress_percent",
                          "open_commitments"}
    assert "Moved to another country" not in str(everything)
    assert wrong.status_code == 400
    assert "health" in wrong.json()


def test_api_lifecycle_actions_for_hr(api_client, admin_user, pairs):
    api_client.force_authenticate(admin_user)
    pair = pairs[0]
    slug = pair.organization.slug

    bad = api_client.post(reverse("api_matching_pair_pause", kwargs={
        "org_slug": slug, "pair_pk": pair.pk}), {"until": "yesterday"}, format="json")
    too_soon = api_client.post(reverse("api_matching_pair_pause", kwargs={
        "org_slug": slug, "pair_pk": pair.pk}), {"until": "2001-01-01"}, format="json")
    ended = api_client.post(reverse("api_matching_pair_end", kwargs={
        "org_slug": slug, "pair_pk": pair.pk}), {"reason": "goals_completed"}, format="json")

    assert bad.status_code == 400
    assert bad.json()["until"] == ["Give the date as a date, e.g. 2027-03-01."]
    assert too_soon.status_code == 400
    assert too_soon.json() == {"until": ["The return date must be after today."]}
    assert ended.status_code == 200
    assert ended.json()["pair"]["status"] == "ended"
    assert [e["kind"] for e in ended.json()["history"]] == ["ended"]


def test_api_repair_assess_then_repair(api_client, admin_user, active_cohort, pairs):
    api_client.force_authenticate(admin_user)
    slug = active_cohort.cohort.organization.slug
    body = {"mentor": active_cohort.mentors[3].pk, "mentee": active_cohort.mentees[3].pk}

    assessed = api_client.post(reverse("api_matching_pair_repair_assess", kwargs={
        "org_slug": slug, "pair_pk": pairs[0].pk}), body, format="json")
    unknown = api_client.post(reverse("api_matching_pair_repair", kwargs={
        "org_slug": slug, "pair_pk": pairs[0].pk}), {"mentor": 987654}, format="json")
    repaired = api_client.post(reverse("api_matching_pair_repair", kwargs={
        "org_slug": slug, "pair_pk": pairs[0].pk}), body, format="json")

    assert assessed.status_code == 200
    assert [(a["mentor"], a["mentee"]) for a in assessed.json()] == [
        (active_cohort.mentors[3].pk, pairs[0].mentee_id), (pairs[0].mentor_id,
                                                            active_cohort.mentees[3].pk)]
    assert unknown.status_code == 400
    assert unknown.json() == {"mentor": ["No enrolled mentor of this cohort has the id 987654."]}
    assert repaired.status_code == 200, repaired.content
    assert repaired.json()["ended"]["status"] == "ended"
    assert [(p["mentor"]["participant_id"], p["mentee"]["participant_id"])
            for p in repaired.json()["created"]] == [
        (active_cohort.mentors[3].pk, pairs[0].mentee_id), (pairs[0].mentor_id,
                                                            active_cohort.mentees[3].pk)]


def test_api_participants_pause_and_ask_to_end_their_own_pair_only(api_client, member_user,
                                                                  my_pair, pairs):
    api_client.force_authenticate(member_user)
    slug = my_pair.organization.slug
    until = lifecycle.organization_today(my_pair.cohort.organization) + dt.timedelta(days=5)

    paused = api_client.post(reverse("api_matching_my_pair_pause", kwargs={
        "org_slug": slug, "pair_pk": my_pair.pk}), {"until": until.isoformat()}, format="json")
    asked = api_client.post(reverse("api_matching_my_pair_request_end", kwargs={
        "org_slug": slug, "pair_pk": my_pair.pk}), {"reason": "bored"}, format="json")
    theirs = api_client.post(reverse("api_matching_my_pair_pause", kwargs={
        "org_slug": slug, "pair_pk": pairs[0].pk}), {"until": until.isoformat()}, format="json")
    hr_only = api_client.post(reverse("api_matching_pair_end", kwargs={
        "org_slug": slug, "pair_pk": my_pair.pk}), {"reason": "other"}, format="json")

    assert paused.status_code == 200
    assert paused.json() == {"id": my_pair.pk, "status": "paused",
                             "paused_until": until.isoformat(), "extended_until": None,
                             "end_requested_by_me": False, "my_end_request_reason": ""}
    assert asked.status_code == 400
    assert asked.json()["reason"][0].startswith("Choose why the pair ends: goals completed")
    assert theirs.status_code == 404
    assert hr_only.status_code == 403


def test_the_member_of_a_pair_sees_no_other_pair_in_the_health_api(api_client, member_user,
                                                                    active_cohort):
    api_client.force_authenticate(member_user)
    url = reverse("api_matching_pair_health",
                  kwargs={"org_slug": active_cohort.cohort.organization.slug,
                                                       "cohort_pk": active_cohort.cohort.pk})

    assert api_client.get(url).status_code == 403


def test_pending_nudges_are_withdrawn_when_the_pair_ends(active_cohort, pairs, admin_user):
    lifecycle.pair_nudge(pair=pairs[0], actor=admin_user)  # queued, not sent (no on_commit)
    assert Notification.objects.filter(kind="pair_nudge",
                                       status=Notification.Status.PENDING).count() == 2

    lifecycle.pair_end(pair=pairs[0], actor=admin_user, reason=PairEndReason.NOT_A_GOOD_FIT)

    assert set(Notification.objects.filter(kind="pair_nudge").values_list(
        "status", flat=True)) == {Notification.Status.SKIPPED}


def test_another_organizations_pairs_never_show(admin_client, active_cohort, pairs,
                                                other_organization):
    with organization_scope(other_organization):
        elsewhere = live_cohort(other_organization, mentors=1, mentees=1, name="Elsewhere")
        other_pair = PairFactory(cohort=elsewhere.cohort, mentor=elsewhere.mentors[0],
                                 mentee=elsewhere.mentees[0])
    through_acme = reverse("matching:pair_hr", kwargs={
        "org_slug": active_cohort.cohort.organization.slug, "pair_pk": other_pair.pk})

    assert admin_client.get(through_acme).status_code == 404
    assert admin_client.get(pair_url(other_pair)).status_code == 404
    with activity_source(fixed_activity({})):
        listed = admin_client.get(health_url(active_cohort.cohort))
    assert other_pair.pk not in {pk for pk, _ in rows_of(listed)}


def test_repairing_with_people_of_another_organization_is_refused(admin_client, api_client,
                                                                  admin_user, pairs,
                                                                  other_organization,
                                                                  db_snapshot):
    with organization_scope(other_organization):
        elsewhere = live_cohort(other_organization, mentors=1, mentees=1, name="Elsewhere")
    theirs = {"mentor": elsewhere.mentors[0].pk, "mentee": elsewhere.mentees[0].pk,
              "override_reason": "probe"}
    api_client.force_authenticate(admin_user)
    before = db_snapshot()

    web = admin_client.post(pair_url(pairs[0], "matching:pair_hr_repair"), theirs)
    api = api_client.post(pair_url(pairs[0], "api_matching_pair_repair"), theirs,
                          format="json")
    assessed = api_client.post(pair_url(pairs[0], "api_matching_pair_repair_assess"), theirs,
                               format="json")

    assert web.status_code == 400
    assert "That mentor is not an enrolled mentor of this cohort" in web.content.decode()
    assert (api.status_code, assessed.status_code) == (400, 400)
    assert api.json() == {"mentor": [f"No enrolled mentor of this cohort has the id "
                                     f"{elsewhere.mentors[0].pk}."]}
    assert db_snapshot() == before
