"""An HR admin cannot tell "invited because the address has an account in another
organization" from "a new address": after an import both are the same kind of row (an
invitation into the cohort holding the file's details) on every page, list, count, export and
answer, until the person accepts; then both are ordinary participants.

Acme imports ``aa@new.example`` (no account anywhere) and ``aa@globex.example`` (a Globex
member with a name, a profile and a place in a Globex cohort), with the same cells.

- ``test_one_file_*``: both in one file; each surface's two rows (preview, roster page and its
  table fragment, filters and sorts, CSV, invite page, settings page, emails) are compared
  cell for cell with the address replaced;
- ``test_every_page_*``: each imported alone (inside a savepoint rolled back after), and
  every page and API answer an HR admin can open in the organization compared whole;
- ``test_after_accepting_*``: once each accepts (one signs up, one signs in), their places,
  roster rows and profiles read alike.

Nothing of Globex (its name, the account's name, its profile or cohort) may appear anywhere.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts.models import Invitation, Role, User
from core.models import Notification
from core.tenancy import organization_scope
from programs.models import CohortInvitation, ImportBatch, Participant, Profile
from programs.services import organization_defaults_ensure
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ProgramFactory,
)
from tests.org_routes import ORG_ROUTES
from tests.programs.conftest import ELSEWHERE, account_rows
from tests.programs.test_imports import HEADER

pytestmark = pytest.mark.django_db

NEW = "aa@new.example"
NAME = "Aa Test"  # what Acme's file calls both (their names sort before everyone else's)
GLOBEX_WORDS = (
    "Globex",
    "Aa Globexname",
    "Head of Globex Grid",
    "Globex Trading",
    "Globex Pilot",
    "globex-only topic",
)


def cells(email: str, name: str = NAME) -> list[str]:
    return [
        email,
        name,
        "mentor",
        "Analyst",
        "Marketing",
        "L2",
        "",
        "Europe/Berlin",
        "English;German",
        "AI tools:3",
        "Strategy:2",
    ]


def csv_file(*emails: str) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(cells(email) for email in emails)
    return buffer.getvalue().encode()


@pytest.fixture
def acme(organization, admin_user):
    """Acme's program and enrolling cohort, with one enrolled member (who sorts last)."""
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        program = ProgramFactory(organization=organization, name="Reverse Mentoring 2027")
        cohort = CohortFactory(
            program=program, organization=organization, name="Pilot", status="enrolling"
        )
        ParticipantFactory(
            cohort=cohort,
            membership=MembershipFactory(
                organization=organization,
                user=UserFactory(email="zoe@acme.example", full_name="Zoë Member"),
            ),
        )
    return cohort


def url(name: str, cohort, **kwargs) -> str:
    return reverse(
        f"programs:{name}",
        kwargs={"org_slug": cohort.organization.slug, "cohort_pk": cohort.pk, **kwargs},
    )


def import_through_pages(client, cohort, data: bytes, capture) -> tuple[str, str]:
    """Upload, preview and confirm as HR does; the preview's and the result page's HTML."""
    upload = client.post(
        url("cohort_import", cohort), {"file": SimpleUploadedFile("people.csv", data, "text/csv")}
    )
    assert upload.status_code == 302, upload.content[:500]
    preview = client.get(upload["Location"]).content.decode()
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.filter(cohort=cohort).order_by("-pk").first()
    with capture(execute=True):
        confirm = client.post(
            url("cohort_import_confirm", cohort, batch_pk=batch.pk),
            {"sha256": batch.content_sha256},
        )
    assert confirm.status_code == 302
    return preview, client.get(confirm["Location"]).content.decode()


def assert_nothing_of_globex(text: str) -> None:
    text = text.replace(ELSEWHERE, "ADDRESS")
    for word in GLOBEX_WORDS:
        assert word.lower() not in text.lower(), word


def row_of(html: str, email: str) -> str:
    """The table row (``<tr …>…</tr>``) or list item that shows ``email``, with it replaced."""
    for match in re.finditer(r"<(tr|li)\b[^>]*>.*?</\1>", html, re.S):
        if email in match.group(0):
            shown = re.sub(r'="\d+"', '="ID"', match.group(0).replace(email, "EMAIL"))
            return re.sub(r"/\d+/", "/ID/", shown)
    raise AssertionError(f"no row shows {email}")


# --- both in one file ---------------------------------------------------------------------------


def test_one_file_every_surface_shows_the_two_alike(
    admin_client, acme, globex, django_capture_on_commit_callbacks
):
    preview, result = import_through_pages(
        admin_client, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks
    )

    pages = {"preview": preview, "result": result}

    def preview_row(email):  # without the row number, the only cell that differs
        return re.sub(r"^<tr><td>\d+</td>", "<tr>", row_of(preview, email))

    assert preview_row(NEW) == preview_row(ELSEWHERE)
    assert "gets an invitation email to join the cohort" in preview_row(NEW)
    roster = admin_client.get(url("cohort_roster", acme)).content.decode()
    pages["roster"] = roster
    assert row_of(roster, NEW) == row_of(roster, ELSEWHERE)
    cells_shown = re.sub(r"<[^>]+>", "|", row_of(roster, NEW))
    for expected in (
        NAME,
        "Invited — not yet signed in",
        "Mentor",
        "Marketing",
        "L2",
        "78%",
        "▲ AI tools",
        "▽ Strategy",
    ):
        assert expected in cells_shown, expected
    assert 'href="' not in row_of(roster, NEW)  # no profile to open until they accept
    fragment = admin_client.get(url("cohort_roster", acme), HTTP_HX_REQUEST="true")
    assert row_of(fragment.content.decode(), NEW) == row_of(fragment.content.decode(), ELSEWHERE)
    invite_page = admin_client.get(url("cohort_invite", acme)).content.decode()
    pages["invite"] = invite_page
    assert row_of(invite_page, NEW) == row_of(invite_page, ELSEWHERE)
    settings_page = admin_client.get(
        reverse("org_settings", kwargs={"org_slug": acme.organization.slug})
    ).content.decode()
    pages["settings"] = settings_page
    assert row_of(settings_page, NEW) == row_of(settings_page, ELSEWHERE)

    # the CSV export: the same cells
    export = admin_client.get(url("cohort_roster_csv", acme)).content.decode("utf-8-sig")
    pages["csv"] = export
    lines = {line[1]: line for line in csv.reader(io.StringIO(export))}
    assert lines[NEW][0] == lines[ELSEWHERE][0] == NAME
    assert lines[NEW][2:] == lines[ELSEWHERE][2:]
    assert lines[NEW][3] == "Invited — not yet signed in"

    # counts: both are invited, neither enrolled
    summary = admin_client.get(url("cohort_roster", acme)).context["summary"]
    assert (summary.invited, summary.mentors, summary.mentees) == (2, 1, 0)
    cohort_page = admin_client.get(
        reverse(
            "programs:cohort_detail",
            kwargs={"org_slug": acme.organization.slug, "cohort_pk": acme.pk},
        )
    ).content.decode()
    assert re.search(r'id="stat-invited">2<', cohort_page)

    # the emails: the same message to each address
    with organization_scope(acme.organization):
        tokens = dict(Invitation.objects.values_list("email", "token"))
    messages = {n.email: n for n in Notification.objects.filter(kind="invitation")}
    assert messages[NEW].recipient_id is None
    assert messages[ELSEWHERE].recipient_id is None

    def message(email):
        n = messages[email]
        return [
            part.replace(tokens[email], "TOKEN").replace(email, "EMAIL")
            for part in (n.subject, n.body_text, n.body_html, n.link, n.status)
        ]

    assert message(NEW) == message(ELSEWHERE)
    sent = {m.to[0]: m for m in mail.outbox}
    assert sent[NEW].body.replace(tokens[NEW], "T") == sent[ELSEWHERE].body.replace(
        tokens[ELSEWHERE], "T"
    )
    for text in [*pages.values(), *(m.body for m in mail.outbox)]:
        assert_nothing_of_globex(text)


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=invited",
        "?status=active",
        "?role=mentor",
        "?role=mentee",
        "?department=Marketing",
        "?completeness_below=80",
        "?completeness_below=50",
        f"?q={NAME}",
        "?q=aa%40",
        "?q=Globexname",
        "?q=Head+of+Globex",
        "?sort=-name",
        "?sort=level",
        "?sort=-completeness",
        "?sort=status",
        "?sort=-applied",
    ],
)
def test_one_file_roster_filters_and_sorts_keep_the_two_together(
    admin_client, acme, globex, django_capture_on_commit_callbacks, query
):
    import_through_pages(
        admin_client, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks
    )

    response = admin_client.get(url("cohort_roster", acme) + query)

    shown = [row.email for row in response.context["participants"]]
    ours = [email for email in shown if email in (NEW, ELSEWHERE)]
    assert ours in ([], [NEW, ELSEWHERE], [ELSEWHERE, NEW])
    if ours:  # side by side, whatever the sort: nothing about them orders them apart
        first = shown.index(ours[0])
        assert shown[first + 1] == ours[1]
    expected = "Globex" not in query and query not in (
        "?status=active",
        "?role=mentee",
        "?completeness_below=50",
    )
    assert bool(ours) == expected, query


def test_one_file_re_import_and_api_answers_alike(
    admin_user, acme, globex, django_capture_on_commit_callbacks
):
    api = APIClient()
    api.force_authenticate(admin_user)
    base = f"/api/v1/o/{acme.organization.slug}/"
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post(
            f"{base}cohorts/{acme.pk}/import/",
            {"file": SimpleUploadedFile("p.csv", csv_file(NEW, ELSEWHERE), "text/csv")},
            format="multipart",
        )
    again = api.post(
        f"{base}cohorts/{acme.pk}/import/",
        {
            "file": SimpleUploadedFile("p.csv", csv_file(NEW, ELSEWHERE), "text/csv"),
            "dry_run": "true",
        },
        format="multipart",
    )
    participants = api.get(f"{base}participants/", {"cohort": acme.pk})
    cohort = api.get(f"{base}cohorts/{acme.pk}/")
    enroll = {
        email: api.post(
            f"{base}participants/",
            {"cohort": acme.pk, "email": email, "role": "mentor"},
            format="json",
        )
        for email in (NEW, ELSEWHERE)
    }

    assert first.json()["summary"] == {
        "rows": 2,
        "new_people": 2,
        "enrolled": 0,
        "updated": 0,
        "unchanged": 0,
    }
    assert again.json()["summary"]["unchanged"] == 2  # both keep their open invitation
    assert [p["email"] for p in participants.json()["results"]] == ["zoe@acme.example"]
    assert (cohort.json()["mentor_count"], cohort.json()["mentee_count"]) == (1, 0)
    assert enroll[NEW].status_code == enroll[ELSEWHERE].status_code == 400
    assert json.dumps(enroll[NEW].json()).replace(NEW, "E") == json.dumps(
        enroll[ELSEWHERE].json()
    ).replace(ELSEWHERE, "E")
    for response in (first, again, participants, cohort, *enroll.values()):
        assert_nothing_of_globex(response.content.decode())


# --- each alone: every page the HR admin can open ---------------------------------------------


def _samples(cohort, batch) -> dict:
    from dashboards.selectors import SECTIONS

    return {
        "cohort_pk": cohort.pk,
        "program_pk": cohort.program_id,
        "batch_pk": batch.pk,
        ("cohort-detail", "pk"): cohort.pk,
        ("cohort-import", "pk"): cohort.pk,
        ("program-detail", "pk"): cohort.program_id,
        "panel_key": [key for section in SECTIONS for key in section.keys],
    }


def _hr_urls(cohort, batch) -> list[str]:
    """Every page and API answer of the organization an HR admin may GET that names no other
    object than the cohort, its program, the import's batch or a dashboard panel."""
    samples = _samples(cohort, batch)
    urls = []
    for route in ORG_ROUTES:
        if route.view_class is None or Role.ADMIN not in route.allowed_roles("GET"):
            continue
        values = [{"org_slug": cohort.organization.slug}]
        for kwarg in route.kwargs:
            if kwarg == "org_slug":
                continue
            sample = samples.get((route.name, kwarg), samples.get(kwarg))
            if sample is None:
                values = []
                break
            choices = sample if isinstance(sample, list) else [sample]
            values = [{**v, kwarg: choice} for v in values for choice in choices]
        for kwargs in values:
            try:
                urls.append(reverse(route.name, kwargs=kwargs))
            except NoReverseMatch:  # a panel key this route does not take
                continue
    roster = url("cohort_roster", cohort)
    urls += [
        f"{roster}?status=invited",
        f"{roster}?q=aa&sort=-completeness",
        f"{url('cohort_roster_csv', cohort)}?status=invited",
        f"/api/v1/o/{cohort.organization.slug}/participants/?cohort={cohort.pk}",
        f"/api/v1/o/{cohort.organization.slug}/participants/?search=aa",
        reverse("programs:member_search", kwargs={"org_slug": cohort.organization.slug}) + "?q=aa",
        reverse("org_settings", kwargs={"org_slug": cohort.organization.slug}) + "?q=aa",
        reverse("dashboards:hr", kwargs={"org_slug": cohort.organization.slug})
        + f"?program={cohort.program_id}&cohort={cohort.pk}",
    ]
    return urls


_VOLATILE = [
    (
        re.compile(r'(csrfmiddlewaretoken" value="|X-CSRFToken": "|csrf_token" content=")[^"]+'),
        r"\1CSRF",
    ),
    (re.compile(r'nonce="[^"]+"'), 'nonce="N"'),
    (re.compile(r"[0-9a-f]{64}"), "SHA"),
    (re.compile(r"<code>[0-9a-f]{16}…</code>"), "<code>SHA</code>"),
    (re.compile(r"/invitations/[\w-]{20,}/"), "/invitations/TOKEN/"),
    (re.compile(r"/(import|invitations|batches)/\d+/"), r"/\1/N/"),
    (re.compile(r'(data-invitation|data-participant|invitation-|revoke/)(="?)\d+'), r"\1\2N"),
    (re.compile(r'"(id|pk|invitation|batch)": ?\d+'), r'"\1": N'),  # JSON, spaced or not
    (re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?"), "TIMESTAMP"),  # before HH:MM
    (re.compile(r"\d{1,2}:\d\d(:\d\d)?"), "HH:MM"),
]


def _normalised(text: str, email: str) -> str:
    text = text.replace(email, "EMAIL").replace(email.split("@")[1], "DOMAIN")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def _everything_hr_sees(client, cohort, email, capture) -> dict[str, tuple[int, str]]:
    """Inside a savepoint that is rolled back: import ``email`` alone and read every page."""
    with transaction.atomic():
        cache.clear()
        mail.outbox = []
        seen = {}
        preview, result = import_through_pages(client, cohort, csv_file(email), capture)
        seen["preview"], seen["result"] = (200, preview), (200, result)
        with organization_scope(cohort.organization):
            batch = ImportBatch.objects.filter(cohort=cohort).order_by("-pk").first()
        for address in _hr_urls(cohort, batch):
            response = client.get(address)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            seen[address] = (response.status_code, body.decode("utf-8", "replace"))
        reminder = client.post(url("cohort_remind_incomplete", cohort), follow=True)
        seen["remind"] = (reminder.status_code, reminder.content.decode())
        seen["emails"] = (len(mail.outbox), "\n".join(m.subject + m.body for m in mail.outbox))
        transaction.set_rollback(True)
    return {
        _normalised(key, email): (status, _normalised(body, email))
        for key, (status, body) in seen.items()
    }


def test_every_page_an_hr_admin_can_open_reads_the_same_for_both(
    admin_client, acme, globex, django_capture_on_commit_callbacks
):
    globex_before = account_rows(globex)

    new = _everything_hr_sees(admin_client, acme, NEW, django_capture_on_commit_callbacks)
    elsewhere = _everything_hr_sees(
        admin_client, acme, ELSEWHERE, django_capture_on_commit_callbacks
    )

    assert len(new) > 60  # the cohort's and the organization's pages, APIs, CSVs, panels
    assert sorted(new) == sorted(elsewhere)
    different = [key for key in new if new[key] != elsewhere[key]]
    assert different == [], different
    assert sum(1 for status, _ in new.values() if status == 200) > 50
    for _status, body in elsewhere.values():
        for word in GLOBEX_WORDS:
            assert word.lower() not in body.lower(), word
    assert account_rows(globex) == globex_before  # nothing of the account changed


# --- after the person acts -----------------------------------------------------------------------


def _accept_by_signing_up(email: str) -> User:
    """A person with no account opens the invitation link, creates an account (the address
    is proven by the link) and accepts."""
    with scopes_disabled():
        token = Invitation.objects.get(email=email, revoked_at__isnull=True).token
    visitor = Client()
    link = reverse("invitation_accept", kwargs={"token": token})
    assert visitor.get(link).status_code == 200
    signed_up = visitor.post(
        f"{reverse('account_signup')}?next={link}",
        {
            "email": email,
            "password1": "a-long-and-unusual-passphrase-42",
            "password2": "a-long-and-unusual-passphrase-42",
        },
    )
    assert signed_up.status_code == 302, signed_up.content[:2000]
    assert visitor.post(link).status_code == 302
    return User.objects.get(email=email)


def _accept_by_signing_in(email: str) -> User:
    with scopes_disabled():
        token = Invitation.objects.get(email=email, revoked_at__isnull=True).token
    user = User.objects.get(email=email)
    visitor = Client()
    visitor.force_login(user)
    assert visitor.post(reverse("invitation_accept", kwargs={"token": token})).status_code == 302
    return user


def test_after_accepting_both_are_ordinary_participants_alike(
    admin_client, acme, globex, django_capture_on_commit_callbacks
):
    import_through_pages(
        admin_client, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks
    )

    with django_capture_on_commit_callbacks(execute=True):
        carla = _accept_by_signing_up(NEW)
    with django_capture_on_commit_callbacks(execute=True):
        ana = _accept_by_signing_in(ELSEWHERE)

    with organization_scope(acme.organization):
        places = {
            p.membership.user.email: p
            for p in Participant.objects.filter(cohort=acme).select_related(
                "membership__user", "profile__level"
            )
        }

        def shape(place):
            profile = place.profile
            return (
                place.role,
                place.status,
                place.completeness,
                profile.job_title,
                profile.department,
                profile.level.name,
                profile.time_zone,
                profile.languages,
                place.membership.role,
                sorted((t.topic.name, t.interest, t.strength) for t in place.topics.all()),
            )

        assert (
            shape(places[NEW])
            == shape(places[ELSEWHERE])
            == (
                "mentor",
                "active",
                78,
                "Analyst",
                "Marketing",
                "L2",
                "Europe/Berlin",
                ["en", "de"],
                Role.MEMBER,
                [("AI tools", "teach", 3), ("Strategy", "learn", 2)],
            )
        )
        assert not CohortInvitation.objects.filter(invitation__accepted_at__isnull=True).exists()
    carla.refresh_from_db()
    ana.refresh_from_db()
    assert carla.full_name == NAME  # a new account takes the name Acme gave
    assert ana.full_name == "Aa Globexname"  # an existing name is the person's own
    roster = admin_client.get(url("cohort_roster", acme)).content.decode()
    rows = [
        re.sub(r'="[^"]*\d+[^"]*"', '="ID"', row_of(roster, email)) for email in (NEW, ELSEWHERE)
    ]
    assert rows[0] == rows[1].replace("Aa Globexname", NAME)
    assert "Enrolled" in rows[0]
    assert Notification.objects.filter(kind="welcome").count() == 2
    with organization_scope(acme.organization):
        assert list(User.objects.filter(pk=ana.pk).values_list("full_name", flat=True)) == [
            "Aa Globexname"
        ]
    with scopes_disabled():  # Globex's own rows about her are Globex's: unchanged
        assert (
            Profile.objects.get(
                membership__organization__slug="globex", membership__user=ana
            ).job_title
            == "Head of Globex Grid"
        )


# --- the roster's cost ---------------------------------------------------------------------------


def test_the_roster_takes_the_same_queries_for_1_and_20_invited_people(
    admin_client, acme, django_capture_on_commit_callbacks, django_assert_num_queries
):
    big = CohortFactory(program=acme.program, organization=acme.organization, status="enrolling")
    with organization_scope(acme.organization):
        for _ in range(19):
            ParticipantFactory(cohort=big)
    import_through_pages(
        admin_client, acme, csv_file("one@new.example"), django_capture_on_commit_callbacks
    )
    import_through_pages(
        admin_client,
        big,
        csv_file(*[f"p{i}@new.example" for i in range(20)]),
        django_capture_on_commit_callbacks,
    )
    admin_client.get(url("cohort_roster", acme))  # warm-up: session and content types

    with CaptureQueriesContext(connection) as small:
        admin_client.get(url("cohort_roster", acme))
    with django_assert_num_queries(len(small.captured_queries)):
        response = admin_client.get(url("cohort_roster", big))
    assert sum(1 for row in response.context["participants"] if row.is_invited) == 20
    with CaptureQueriesContext(connection) as small_csv:
        admin_client.get(url("cohort_roster_csv", acme))
    with django_assert_num_queries(len(small_csv.captured_queries)):
        admin_client.get(url("cohort_roster_csv", big))


def test_inviting_again_from_the_invite_page_keeps_what_the_import_said(
    admin_client, acme, globex, django_capture_on_commit_callbacks
):
    import_through_pages(
        admin_client, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks
    )

    answers = {}
    for email in (NEW, ELSEWHERE):
        with django_capture_on_commit_callbacks(execute=True):
            response = admin_client.post(
                url("cohort_invite", acme), {"email": email, "role": "mentee"}, follow=True
            )
        answers[email] = [str(m).replace(email, "EMAIL") for m in response.context["messages"]]

    assert answers[NEW] == answers[ELSEWHERE] == [
        "Invitation sent to EMAIL: they join as mentee (senior leader) when they accept."
    ]
    with organization_scope(acme.organization):
        places = CohortInvitation.objects.filter(
            cohort=acme, invitation__revoked_at__isnull=True
        ).select_related("level")
        assert sorted(
            (p.name, p.role, p.department, p.level.name, p.completeness, len(p.topics))
            for p in places
        ) == [(NAME, "mentee", "Marketing", "L2", 78, 2)] * 2
    roster = admin_client.get(url("cohort_roster", acme)).content.decode()
    assert row_of(roster, NEW) == row_of(roster, ELSEWHERE)
