"""The privacy matrix of the pair's workspace, by enumeration: every web route and API endpoint
of the sessions app (read from the URL resolver, so a new one is covered without editing this
file) × each viewer — the author, the partner, another participant of the same cohort, the HR
admin, an executive, a member of another organization, anonymous — gets exactly what
shared/design.md's privacy table allows:

* the two people of the pair read everything shared (sessions, summary, action items, goals,
  shared commitments) and only their own private notes, ratings and unshared commitments;
* everyone else gets 404 (403 for an executive, whose role has no pair pages at all;
  sign-in for anonymous visitors), and their writes change nothing.

A private note's text is a random sentinel that never appears, for anyone but its author, in
any response body, email, calendar file, CSV export, log record or Django admin page.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.tenancy import organization_scope
from sessions import services
from sessions.checkins import services as check_in_services
from sessions.models import HRAlert, SessionStatus
from tests.factories.accounts import UserFactory
from tests.factories.sessions import (
    ActionItemFactory,
    CommitmentFactory,
    GoalFactory,
    GoalUpdateFactory,
    MentoringSessionFactory,
    SessionRatingFactory,
)
from tests.org_routes import ORG_ROUTES
from tests.sessions.conftest import make_pair

pytestmark = pytest.mark.django_db

ROUTES = [r for r in ORG_ROUTES if r.view_class is not None
          and r.view_class.__module__.startswith("sessions.")]
PAIR_ROUTES = [r for r in ROUTES if "pair_pk" in r.kwargs]
#: "my pairs", "my notes", "my check-ins", "my fit checks": a participant's own, across pairs
PERSON_ROUTES = [r for r in ROUTES if "pair_pk" not in r.kwargs
                 and Role.MEMBER in r.allowed_roles("GET")]
#: HR's check-in alert pages and endpoints (admins only)
HR_ROUTES = [r for r in ROUTES if "pair_pk" not in r.kwargs
             and r.view_class.__module__.startswith("sessions.checkins.")
             and r.allowed_roles("GET") == {Role.ADMIN}]
VIEWERS = ["author", "partner", "cohort_peer", "hr_admin", "executive", "other_tenant",
           "anonymous"]


def test_the_enumeration_sees_the_whole_app():
    names = {r.name for r in ROUTES}

    assert {"sessions:workspace", "sessions:session_note", "sessions:pair_note",
            "sessions:session_ics", "api_pair_note", "api_session_note", "api_my_notes",
            "api_sessions", "api_goal_updates", "api_commitment_outcome"} <= names
    assert len(PAIR_ROUTES) >= 39
    assert {"checkins:check_in", "checkins:fit_check", "api_pair_check_in",
            "api_pair_fit_check"} <= names
    assert {r.name for r in PERSON_ROUTES} == {"api_pairs", "api_my_notes", "api_my_check_ins",
                                               "api_my_fit_checks", "checkins:mine"}
    assert {r.name for r in HR_ROUTES} == {
        "checkins:hr_alerts", "checkins:hr_alerts_all", "checkins:hr_alert",
        "checkins:hr_alert_acknowledge", "checkins:hr_alert_resolve", "checkins:settings",
        "api_hr_alerts", "api_hr_alert", "api_hr_alert_acknowledge", "api_hr_alert_resolve",
        "api_check_in_schedule"}


@pytest.fixture
def matrix(organization, other_organization, admin_user, executive_user, member_user,
           other_admin_user):
    """Pair P: the author is its mentee, the partner its mentor (the member fixture); a
    second pair of the same cohort gives the cohort peer."""
    with organization_scope(organization):
        world = make_pair(organization, mentor_membership=member_user.memberships.get())
        peer = make_pair(organization, cohort=world.pair.cohort)
        pair = world.pair
        held = MentoringSessionFactory(pair=pair, held=True, summary=f"SHARED-{_token()}")
        ahead = MentoringSessionFactory(pair=pair)
        SessionRatingFactory(session=held, participant=world.mentee, value=2)
        SessionRatingFactory(session=held, participant=world.mentor, value=5)
        action = ActionItemFactory(session=held, text=f"ACTION-{_token()}")
        goal = GoalFactory(pair=pair, owner=world.mentee, title=f"GOAL-{_token()}")
        GoalUpdateFactory(goal=goal, comment=f"GOALNOTE-{_token()}")
        shared = CommitmentFactory(pair=pair, owner=world.mentee, shared_with_partner=True,
                                   text=f"SHAREDCOMMIT-{_token()}")
        private_commitment = CommitmentFactory(pair=pair, owner=world.mentee,
                                               shared_with_partner=False,
                                               text=f"OWNCOMMIT-{_token()}")
        author_notes = [f"AUTHORNOTE-{_token()}", f"AUTHORSESSIONNOTE-{_token()}"]
        partner_note = f"PARTNERNOTE-{_token()}"
        services.private_note_save(author=world.mentee, pair=pair, text=author_notes[0])
        services.private_note_save(author=world.mentee, pair=pair, session=held,
                                   text=author_notes[1])
        services.private_note_save(author=world.mentor, pair=pair, session=held,
                                   text=partner_note)
        # check-ins: the author's words are theirs alone (an alert without them); the
        # partner's were shared with HR (HR's alert pages show them, nobody else's page)
        author_check_in = f"AUTHORCHECKIN-{_token()}"
        partner_check_in = f"PARTNERCHECKIN-{_token()}"
        for person, text, share in ((world.mentee, author_check_in, False),
                                     (world.mentor, partner_check_in, True)):
            check_in = check_in_services.check_in_open(pair=pair, participant=person,
                                                       period=1, due_on=timezone.localdate())
            check_in_services.check_in_answer(
                check_in=check_in, actor=person, score=1, blockers=["other"],
                blocker_text=text, agenda_set_by="partner", candour=1, wants_hr_contact=True,
                share_text_with_hr=share)
            check_in_services.check_in_open(pair=pair, participant=person, period=2,
                                            due_on=timezone.localdate())
        fit = check_in_services.fit_check_open(pair=pair, participant=world.mentee)
        check_in_services.fit_check_answer(fit_check=fit, actor=world.mentee, answer="no")
        check_in_services.fit_check_open(pair=pair, participant=world.mentor)
        alert = HRAlert.objects.get(participant=world.mentee, kind="check_in")
    users = {
        "author": world.mentee_user, "partner": world.mentor_user,
        "cohort_peer": peer.mentor_user, "hr_admin": admin_user, "executive": executive_user,
        "other_tenant": other_admin_user, "anonymous": None,
    }
    return {
        "world": world, "users": users, "pair": pair,
        "kwargs": {"pair_pk": pair.pk, "session_pk": held.pk, "action_pk": action.pk,
                   "goal_pk": goal.pk, "commitment_pk": shared.pk,
                   "cohort_pk": pair.cohort_id, "alert_pk": alert.pk},
        "author_check_in": author_check_in, "partner_check_in": partner_check_in,
        "ahead": ahead, "held": held, "private_commitment": private_commitment,
        "author_notes": author_notes, "partner_note": partner_note,
        "shared_texts": [held.summary, action.text, goal.title, shared.text],
    }


def _token() -> str:
    return secrets.token_hex(8).upper()


def _url(route, organization, kwargs) -> str:
    return reverse(route.name, kwargs={"org_slug": organization.slug,
                                       **{k: kwargs[k] for k in route.kwargs if k != "org_slug"}})


def _login(client, user) -> None:
    client.logout()
    if user is not None:
        client.force_login(user)


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def _expected_read(route, viewer: str) -> set[int]:
    if viewer == "anonymous":
        return {401, 403} if route.is_api else {302}
    if viewer in ("author", "partner"):
        return {200}
    if viewer == "executive":
        return {403}
    return {404}


@pytest.mark.parametrize("viewer", VIEWERS)
def test_every_pair_route_answers_each_viewer_as_the_privacy_table_says(
        viewer, matrix, client, organization, db_snapshot, caplog):
    caplog.set_level(logging.DEBUG)
    _login(client, matrix["users"][viewer])
    forbidden = [matrix["partner_note"], matrix["partner_check_in"]] \
        if viewer != "partner" else []
    if viewer != "author":
        forbidden += [*matrix["author_notes"], matrix["private_commitment"].text,
                      matrix["author_check_in"]]
    if viewer not in ("author", "partner"):
        forbidden += matrix["shared_texts"]
    problems = []
    before = db_snapshot()

    for route in PAIR_ROUTES:
        url = _url(route, organization, matrix["kwargs"])
        response = client.get(url)
        if response.status_code not in _expected_read(route, viewer):
            problems.append(f"GET {url}: {response.status_code}, expected "
                            f"{_expected_read(route, viewer)}")
        body = _body(response)
        problems += [f"GET {url} shows {text}" for text in forbidden if text in body]
        if viewer not in ("author", "partner"):
            for method in ("post", "patch", "put", "delete"):
                write = getattr(client, method)(url, {"text": "x", "title": "x"},
                                                content_type="application/json") \
                    if route.is_api else (client.post(url, {"text": "x"}) if method == "post"
                                          else None)
                if write is None:
                    continue
                if write.status_code not in _expected_read(route, viewer) | {405}:
                    problems.append(f"{method.upper()} {url}: {write.status_code}")

    assert not problems, "\n".join(problems)
    if viewer not in ("author", "partner"):
        assert db_snapshot() == before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not [text for text in [*matrix["author_notes"], matrix["partner_note"]]
                if text in logged]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_person_routes_list_only_the_viewers_own(viewer, matrix, client, organization):
    _login(client, matrix["users"][viewer])

    for route in PERSON_ROUTES:
        response = client.get(_url(route, organization, {}))
        if viewer == "anonymous":
            assert response.status_code in ((401, 403) if route.is_api else (302,))
            continue
        if viewer == "executive":
            assert response.status_code == 403
            continue
        if viewer == "other_tenant":
            assert response.status_code == 404
            continue
        assert response.status_code == 200
        body = _body(response)
        others = {"author": [matrix["partner_check_in"]],
                  "partner": [matrix["author_check_in"]]}.get(
            viewer, [matrix["author_check_in"], matrix["partner_check_in"]])
        assert not [text for text in others if text in body], (route.name, viewer)
        if not route.is_api:
            continue
        results = response.json()["results"]
        if route.name in ("api_my_check_ins", "api_my_fit_checks"):
            mine = {"author": matrix["world"].mentee.pk, "partner": matrix["world"].mentor.pk}
            expected = 2 if route.name == "api_my_check_ins" else 1
            assert len(results) == (expected if viewer in mine else 0), (route.name, viewer)
            continue
        if route.name == "api_pairs":
            assert (matrix["pair"].pk in [p["id"] for p in results]) == (
                viewer in ("author", "partner")), viewer
        else:
            texts = [note["text"] for note in results]
            expected = {"author": sorted(matrix["author_notes"]),
                        "partner": [matrix["partner_note"]]}.get(viewer, [])
            assert sorted(texts) == expected, viewer


def test_the_author_sees_their_notes_where_they_are(matrix, client, organization):
    """The sentinels would be seen: the author's own pages show them."""
    _login(client, matrix["users"]["author"])
    kwargs = {"org_slug": organization.slug, "pair_pk": matrix["pair"].pk}

    pair_note = _body(client.get(reverse("sessions:pair_note", kwargs=kwargs)))
    session_note = client.get(reverse("api_session_note", kwargs={
        **kwargs, "session_pk": matrix["held"].pk})).json()

    assert matrix["author_notes"][0] in pair_note
    assert session_note["text"] == matrix["author_notes"][1]
    assert matrix["partner_note"] not in pair_note


def test_each_person_reads_only_their_own_rating(matrix, client, organization):
    url = reverse("api_session", kwargs={"org_slug": organization.slug,
                                         "pair_pk": matrix["pair"].pk,
                                         "session_pk": matrix["held"].pk})

    ratings = {}
    for viewer in ("author", "partner"):
        _login(client, matrix["users"][viewer])
        ratings[viewer] = client.get(url).json()["my_rating"]

    assert ratings == {"author": 2, "partner": 5}


def test_notes_stay_out_of_emails_calendar_files_csv_logs_and_the_admin(
        matrix, client, organization, sent, caplog):
    caplog.set_level(logging.DEBUG)
    world = matrix["world"]
    secrets_ = [*matrix["author_notes"], matrix["partner_note"]]
    with organization_scope(organization):
        session = matrix["ahead"]
        services.private_note_save(author=world.mentee, pair=world.pair, session=session,
                                   text=secrets_[0] + " again")
        with sent() as emails:
            services.session_reschedule(session=session, actor=world.mentee,
                                        starts_at=session.starts_at + dt.timedelta(days=1),
                                        duration_minutes=45)
            services.session_cancel(session=session, actor=world.mentor)
            commitment = CommitmentFactory(pair=world.pair, owner=world.mentee,
                                           due_date=timezone.localdate())
            services.commitment_ask(commitment_id=commitment.pk)
        services.session_log(session=matrix["held"], actor=world.mentor,
                             status=SessionStatus.HAPPENED, actual_minutes=45)
    documents = []
    for email in emails:
        documents += [email.subject, email.body, *(str(c) for _, c, _ in email.attachments),
                      *(content for content, _ in getattr(email, "alternatives", []))]
    assert len(emails) == 5  # two updates, two cancellations, one check-in
    # calendar downloads and the HR roster export
    _login(client, matrix["users"]["partner"])
    for held in (matrix["held"], session):
        documents.append(_body(client.get(reverse("sessions:session_ics", kwargs={
            "org_slug": organization.slug, "pair_pk": world.pair.pk,
            "session_pk": held.pk}))))
    _login(client, matrix["users"]["hr_admin"])
    csv = client.get(reverse("programs:cohort_roster_csv", kwargs={
        "org_slug": organization.slug, "cohort_pk": world.pair.cohort_id}))
    assert csv.status_code == 200
    documents.append(_body(csv))
    # the Django admin, for a platform superuser
    superuser = UserFactory(email="root@flipside.example", is_staff=True, is_superuser=True)
    _login(client, superuser)
    admin_pages = [client.get("/django-admin/"),
                   client.get("/django-admin/mentoring_sessions/mentoringsession/"),
                   client.get(f"/django-admin/mentoring_sessions/mentoringsession/"
                              f"{matrix['held'].pk}/change/")]
    assert [page.status_code for page in admin_pages] == [200, 200, 200]
    assert client.get("/django-admin/mentoring_sessions/privatenote/").status_code == 404
    documents += [_body(page) for page in admin_pages]
    documents.append("\n".join(record.getMessage() for record in caplog.records))

    leaks = [(secret, document[:80]) for secret in secrets_ for document in documents
             if secret in document]
    assert leaks == []
    assert matrix["held"].summary not in _body(admin_pages[2])  # shared summary: not HR's


def test_hr_admin_who_is_in_another_pair_still_gets_404_here(matrix, client, organization):
    with organization_scope(organization):
        make_pair(organization, mentee_membership=matrix["users"]["hr_admin"].memberships.get())
    _login(client, matrix["users"]["hr_admin"])

    response = client.get(reverse("sessions:workspace", kwargs={
        "org_slug": organization.slug, "pair_pk": matrix["pair"].pk}))

    assert response.status_code == 404


def _expected_hr(route, viewer: str) -> set[int]:
    if viewer == "anonymous":
        return {401, 403} if route.is_api else {302}
    if viewer == "hr_admin":
        return {200, 405}  # acknowledge/resolve are POST-only
    if viewer == "other_tenant":
        return {404}
    return {403}  # the pair's people, their peers and executives are not HR


@pytest.mark.parametrize("viewer", VIEWERS)
def test_hr_alert_routes_show_reasons_and_only_shared_words_to_hr_only(
        viewer, matrix, client, organization, db_snapshot):
    """HR sees alerts (who, which pair, the reason codes) and the words only when they were
    shared; the people of the pair, executives and other tenants get nothing (and change
    nothing)."""
    _login(client, matrix["users"][viewer])
    before = db_snapshot()
    problems, bodies = [], []

    for route in HR_ROUTES:
        url = _url(route, organization, matrix["kwargs"])
        response = client.get(url)
        if response.status_code not in _expected_hr(route, viewer):
            problems.append(f"GET {url}: {response.status_code}")
        bodies.append(_body(response))
        if viewer != "hr_admin" and route.name.endswith(("acknowledge", "resolve")):
            write = client.post(url, {"note": "x"}, **(
                {"content_type": "application/json"} if route.is_api else {}))
            if write.status_code not in _expected_hr(route, viewer) - {405}:
                problems.append(f"POST {url}: {write.status_code}")

    assert not problems, "\n".join(problems)
    assert db_snapshot() == before
    everything = "\n".join(bodies)
    assert matrix["author_check_in"] not in everything  # never shared: nobody but its author
    assert (matrix["partner_check_in"] in everything) == (viewer == "hr_admin")
    if viewer == "hr_admin":
        assert "Would like HR to reach out" in everything


def test_the_partner_never_learns_the_fit_check_answer(matrix, client, organization):
    _login(client, matrix["users"]["partner"])
    kwargs = {"org_slug": organization.slug, "pair_pk": matrix["pair"].pk}

    page = _body(client.get(reverse("checkins:fit_check", kwargs=kwargs)))
    api = client.get(reverse("api_pair_fit_check", kwargs=kwargs)).json()
    workspace = _body(client.get(reverse("sessions:workspace", kwargs=kwargs)))

    assert api["fit_check"]["answer"] == ""  # the partner's own question, unanswered
    assert "You answered" not in page
    assert "not working" not in workspace.lower()
    assert "re-match" not in (page + workspace).lower()
