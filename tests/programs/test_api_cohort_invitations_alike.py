"""An HR sync reading invitations into cohorts through the API cannot tell "invited because the
address has an account in another organization" from "a new address": every answer of
``/api/v1/o/<org>/cohort-invitations/`` (list, filters, item, resend and its email, withdraw)
is the same for both, byte for byte once the address, ids, dates and link tokens are set
aside, as tests/programs/test_invited_alike.py proves for the pages.

Acme imports ``aa@new.example`` (no account anywhere) and ``aa@globex.example`` (a Globex
member with a name, a profile and a place in a Globex cohort) with the same cells, through
the API as a sync would.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import Notification
from core.tenancy import organization_scope
from programs.models import CohortInvitation
from programs.services import organization_defaults_ensure
from tests.factories.programs import (
    CohortFactory,
    ProgramFactory,
)
from tests.programs.conftest import ELSEWHERE, account_rows
from tests.programs.test_invited_alike import (
    GLOBEX_WORDS,
    NAME,
    NEW,
    assert_nothing_of_globex,
    csv_file,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        program = ProgramFactory(organization=organization, name="Reverse Mentoring 2027")
        return CohortFactory(
            program=program, organization=organization, name="Pilot", status="enrolling"
        )


@pytest.fixture
def sync(admin_user):
    """The HR system: an API client with an HR admin's token."""
    from accounts.services import api_token_create

    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=admin_user, name='HRIS').key}"
    )
    return api


def base(cohort) -> str:
    return f"/api/v1/o/{cohort.organization.slug}/"


def import_file(api, cohort, data: bytes, capture) -> None:
    with capture(execute=True):
        response = api.post(
            f"{base(cohort)}cohorts/{cohort.pk}/import/",
            {"file": SimpleUploadedFile("people.csv", data, "text/csv")},
            format="multipart",
        )
    assert response.status_code == 200, response.content[:500]


_VOLATILE = [
    (re.compile(r'"(id|pk)": ?\d+'), r'"\1": N'),
    (re.compile(r"/cohort-invitations/\d+/"), "/cohort-invitations/N/"),
    (re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?"), "TIMESTAMP"),
    (re.compile(r"/invitations/[\w-]{20,}/"), "/invitations/TOKEN/"),
]


def normalised(text: str, email: str) -> str:
    text = text.replace(email, "EMAIL")
    for pattern, replacement in _VOLATILE:
        text = pattern.sub(replacement, text)
    return text


def item_of(api, cohort, email) -> dict:
    found = api.get(f"{base(cohort)}cohort-invitations/", {"email": email}).json()["results"]
    assert len(found) == 1, found
    return found[0]


# --- both in one file ---------------------------------------------------------------------------


def test_one_file_the_two_items_are_alike_in_the_list_and_alone(
    sync, acme, globex, django_capture_on_commit_callbacks
):
    import_file(sync, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks)

    listed = sync.get(f"{base(acme)}cohort-invitations/", {"cohort": acme.pk}).json()
    items = {item["email"]: item for item in listed["results"]}
    alone = {
        email: sync.get(f"{base(acme)}cohort-invitations/{items[email]['id']}/")
        for email in (NEW, ELSEWHERE)
    }

    assert listed["count"] == 2
    assert [item["email"] for item in listed["results"]] == sorted([NEW, ELSEWHERE])

    def shown(item: dict) -> str:
        rest = {key: value for key, value in item.items() if key not in ("id", "email")}
        return json.dumps(rest, ensure_ascii=False)

    assert shown(items[NEW]) == shown(items[ELSEWHERE])
    assert {key: items[NEW][key] for key in ("name", "role", "status", "job_title", "level")} == {
        "name": NAME,
        "role": "mentor",
        "status": "pending",
        "job_title": "Analyst",
        "level": "L2",
    }
    assert [t["name"] for t in items[NEW]["teach_topics"]] == ["AI tools"]
    assert [t["name"] for t in items[NEW]["learn_topics"]] == ["Strategy"]
    for email, response in alone.items():
        assert response.json() == items[email]
    assert normalised(alone[NEW].content.decode(), NEW) == normalised(
        alone[ELSEWHERE].content.decode(), ELSEWHERE
    )
    assert_nothing_of_globex(json.dumps(listed, ensure_ascii=False))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"status": "pending"},
        {"status": "accepted"},
        {"role": "mentor"},
        {"role": "mentee"},
        {"search": NAME},
        {"search": "aa@"},
        {"search": "aa test"},
        {"search": "Globexname"},
        {"search": "Head of Globex"},
        {"search": "Globex Trading"},
    ],
    ids=lambda query: json.dumps(query),
)
def test_one_file_filters_keep_the_two_together(
    sync, acme, globex, django_capture_on_commit_callbacks, query
):
    import_file(sync, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks)

    found = sync.get(f"{base(acme)}cohort-invitations/", query).json()["results"]

    ours = sorted(item["email"] for item in found if item["email"] in (NEW, ELSEWHERE))
    expected = (
        query.get("status") != "accepted"
        and query.get("role") != "mentee"
        and ("Globex" not in query.get("search", ""))
    )
    assert ours == (sorted([NEW, ELSEWHERE]) if expected else []), query


def after_the_resend_interval():
    """Later than a resend may follow the import's email (accounts.services)."""
    from accounts.services import INVITATION_RESEND_INTERVAL

    return time_machine.travel(timezone.now() + INVITATION_RESEND_INTERVAL
                               + dt.timedelta(seconds=1))


def test_one_file_the_two_emails_by_address_and_resends_are_alike(
    sync, acme, globex, django_capture_on_commit_callbacks
):
    import_file(sync, acme, csv_file(NEW, ELSEWHERE), django_capture_on_commit_callbacks)
    by_address = {
        email: sync.get(f"{base(acme)}cohort-invitations/", {"email": email.upper()})
        for email in (NEW, ELSEWHERE)
    }
    mail.outbox = []

    resent = {}
    with after_the_resend_interval():
        for email in (NEW, ELSEWHERE):
            with django_capture_on_commit_callbacks(execute=True):
                resent[email] = sync.post(
                    f"{base(acme)}cohort-invitations/{item_of(sync, acme, email)['id']}/resend/"
                )

    for responses in (by_address, resent):
        assert normalised(responses[NEW].content.decode(), NEW) == normalised(
            responses[ELSEWHERE].content.decode(), ELSEWHERE
        )
    assert resent[NEW].status_code == resent[ELSEWHERE].status_code == 202
    sent = {message.to[0]: message for message in mail.outbox}
    assert sorted(sent) == sorted([NEW, ELSEWHERE])
    with organization_scope(acme.organization):
        tokens = dict(
            CohortInvitation.objects.values_list("invitation__email", "invitation__token")
        )

    def message(email):
        m = sent[email]
        return [
            text.replace(tokens[email], "TOKEN").replace(email, "EMAIL")
            for text in (m.subject, m.body, *(body for body, _ in m.alternatives))
        ]

    assert message(NEW) == message(ELSEWHERE)
    assert "replaces the one in the earlier email" in sent[NEW].body
    resent_rows = Notification.objects.filter(key__contains=":resent:")
    assert sorted(resent_rows.values_list("email", "recipient_id")) == [
        (ELSEWHERE, None),
        (NEW, None),
    ]
    for m in mail.outbox:
        assert_nothing_of_globex(m.subject + m.body)


# --- each alone: everything the sync can do ---------------------------------------------------


def _everything_the_sync_sees(sync, cohort, email, capture) -> list[tuple[str, int, str]]:
    """Inside a savepoint that is rolled back: import ``email`` alone, then read, filter,
    resend and withdraw its invitation, reading it after each step."""
    seen = []
    with transaction.atomic():
        mail.outbox = []
        import_file(sync, cohort, csv_file(email), capture)
        url = f"{base(cohort)}cohort-invitations/"
        pk = item_of(sync, cohort, email)["id"]
        steps = [
            ("list", "get", url, {}),
            ("list of the cohort", "get", url, {"cohort": cohort.pk}),
            ("search", "get", url, {"search": "aa"}),
            ("by address", "get", url, {"email": email}),
            ("pending", "get", url, {"status": "pending"}),
            ("page", "get", url, {"page_size": 1, "page": 1}),
            ("item", "get", f"{url}{pk}/", None),
            ("resend", "post", f"{url}{pk}/resend/", None),
            ("item after resend", "get", f"{url}{pk}/", None),
            ("withdraw", "delete", f"{url}{pk}/", None),
            ("item after withdrawing", "get", f"{url}{pk}/", None),
            ("resend after withdrawing", "post", f"{url}{pk}/resend/", None),
            ("withdrawn", "get", url, {"status": "revoked"}),
            ("participants", "get", f"{base(cohort)}participants/", {"search": "aa"}),
        ]
        with after_the_resend_interval():
            for name, method, address, data in steps:
                with capture(execute=True):
                    response = getattr(sync, method)(address, data)
                seen.append((name, response.status_code, response.content.decode()))
        seen.append(
            ("emails", len(mail.outbox), "\n".join(m.subject + m.body for m in mail.outbox))
        )
        transaction.set_rollback(True)
    return [(name, status, normalised(body, email)) for name, status, body in seen]


def test_each_alone_every_answer_of_the_api_is_the_same(
    sync, acme, globex, django_capture_on_commit_callbacks
):
    globex_before = account_rows(globex)

    new = _everything_the_sync_sees(sync, acme, NEW, django_capture_on_commit_callbacks)
    elsewhere = _everything_the_sync_sees(sync, acme, ELSEWHERE, django_capture_on_commit_callbacks)

    assert [(name, status) for name, status, _ in new] == [
        ("list", 200),
        ("list of the cohort", 200),
        ("search", 200),
        ("by address", 200),
        ("pending", 200),
        ("page", 200),
        ("item", 200),
        ("resend", 202),
        ("item after resend", 200),
        ("withdraw", 204),
        ("item after withdrawing", 200),
        ("resend after withdrawing", 409),
        ("withdrawn", 200),
        ("participants", 200),
        ("emails", 2),  # the import's invitation and the resent one
    ]
    different = [a[0] for a, b in zip(new, elsewhere, strict=True) if a != b]
    assert different == [], different
    assert '"status":"revoked"' in {n: b for n, _, b in new}["item after withdrawing"]
    for _name, _status, body in elsewhere:
        for word in GLOBEX_WORDS:
            assert word.lower() not in body.lower(), word
    assert account_rows(globex) == globex_before  # nothing of the account changed
