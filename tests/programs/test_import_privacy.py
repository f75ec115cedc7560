"""The CSV import never shows or changes anything of an account that is not a member of the
importing organization, and cannot be used to learn whether an address has an account
elsewhere: an address with no account and one with an account in another organization are
both invited into the cohort with the file's details, and the page, the preview, the API,
the report and the emails look the same for both. Accepting the invitation enrolls the
person (tests/programs/test_invited_alike.py checks every other surface)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.models import Invitation, Membership, Role, User
from core.models import Notification
from core.tenancy import organization_scope
from programs.imports.services import import_email_progress, participants_import_csv
from programs.models import CohortInvitation, ImportBatch, Participant, Profile
from programs.services import organization_defaults_ensure
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ProgramFactory
from tests.programs.test_imports import make_csv

pytestmark = pytest.mark.django_db

NAMELESS = "ana@globex.example"  # signed up with Globex without giving a name
NAMED = "bruno@globex.example"


@pytest.fixture
def cohort(organization):
    with organization_scope(organization):
        organization_defaults_ensure(organization=organization)
        return CohortFactory(program=ProgramFactory(organization=organization,
                                                    name="Reverse Mentoring 2027"),
                             organization=organization, name="Pilot", status="enrolling")


@pytest.fixture
def globex(other_organization):
    """Two Globex members: one who signed up without a name, one with a name and a profile."""
    nameless = MembershipFactory(organization=other_organization,
                                 user=UserFactory(email=NAMELESS, full_name=""))
    named = MembershipFactory(organization=other_organization,
                              user=UserFactory(email=NAMED, full_name="Bruno Globexname"))
    with organization_scope(other_organization):
        Profile.objects.create(organization=other_organization, membership=named,
                               job_title="Head of Globex Grid", department="Globex Trading")
    return {"organization": other_organization, "users": [nameless.user, named.user]}


def globex_rows(globex) -> dict:
    """Every row that belongs to Globex or to its members' accounts (scopes disabled: this
    reads across tenants on purpose, to prove another tenant's rows did not change)."""
    organization = globex["organization"]
    user_ids = [user.pk for user in globex["users"]]
    with scopes_disabled():
        return {
            "users": list(User.objects.filter(pk__in=user_ids).order_by("pk").values()),
            "memberships": list(Membership.objects.filter(user_id__in=user_ids)
                                .order_by("pk").values()),
            "profiles": list(Profile.objects.filter(organization=organization)
                             .order_by("pk").values()),
            "participants": list(Participant.objects.filter(organization=organization)
                                 .order_by("pk").values()),
            "invitations": list(Invitation.objects.filter(organization=organization)
                                .order_by("pk").values()),
            "notifications": list(Notification.objects.filter(organization=organization)
                                  .order_by("pk").values()),
        }


def row(email: str, name: str, role: str = "mentor", title: str = "Analyst") -> list[str]:
    return [email, name, role, title, "Marketing", "", "", "", "English", "", ""]


def people_file(*emails: str) -> bytes:
    return make_csv([row(email, "Renamed By Acme") for email in emails])


def globex_words(globex) -> list[str]:
    """What must never appear in an answer to Acme: Globex's name and its members' data."""
    return ["Globex", "globex energy", "Bruno Globexname", "Head of Globex Grid",
            "Globex Trading"]


def assert_nothing_of_globex(text: str, globex) -> None:
    for word in globex_words(globex):
        assert word.lower() not in text.lower().replace("@globex.example", "@…"), word


# --- the service ------------------------------------------------------------------------------

def test_account_elsewhere_is_invited_and_nothing_of_it_is_read_or_changed(
        cohort, globex, django_capture_on_commit_callbacks):
    before = globex_rows(globex)
    with organization_scope(cohort.organization):
        preview = participants_import_csv(cohort=cohort, file=people_file(NAMELESS, NAMED),
                                          actor=None, dry_run=True)
        with django_capture_on_commit_callbacks(execute=True):
            report = participants_import_csv(cohort=cohort, file=people_file(NAMELESS, NAMED),
                                             actor=None, dry_run=False)

    assert [r.action for r in preview.rows] == ["new person", "new person"]
    assert preview.warnings == [] == report.warnings
    assert report.imported
    assert globex_rows(globex) == before  # no name set, nothing of Globex touched
    assert User.objects.get(email=NAMELESS).full_name == ""
    with organization_scope(cohort.organization):
        assert not Membership.objects.filter(user__email__in=[NAMELESS, NAMED]).exists()
        assert not Participant.objects.exists()
        places = CohortInvitation.objects.select_related("invitation").order_by(
            "invitation__email")
        assert [(p.invitation.email, p.cohort_id, p.role, p.invitation.role,
                 p.invitation.is_pending) for p in places] == [
            (NAMELESS, cohort.pk, "mentor", Role.MEMBER, True),
            (NAMED, cohort.pk, "mentor", Role.MEMBER, True)]
    invitation_mail = next(m for m in mail.outbox if m.to == [NAMELESS])
    assert "Reverse Mentoring 2027" in invitation_mail.body
    assert "If you already have a Flipside account with this email address" in \
        invitation_mail.body
    assert "Acme Retail" in invitation_mail.subject
    assert_nothing_of_globex(invitation_mail.body, globex)
    assert not Notification.objects.filter(kind="welcome").exists()
    # sent to the address, not to the account: no preference, quiet hours or sign-in link
    assert sorted(Notification.objects.filter(kind="invitation")
                  .values_list("email", "organization_id", "recipient_id")) == [
        (NAMELESS, cohort.organization_id, None), (NAMED, cohort.organization_id, None)]


def test_new_address_and_account_elsewhere_give_the_same_report(
        cohort, globex, django_capture_on_commit_callbacks):
    def imported(email: str):
        data = make_csv([row(email, "Ana Souza"),
                         row(f"boss-of-{email}", "Boss", role="mentee", title="Director")])
        with organization_scope(cohort.organization):
            dry = participants_import_csv(cohort=cohort, file=data, actor=None, dry_run=True)
            with django_capture_on_commit_callbacks(execute=True):
                real = participants_import_csv(cohort=cohort, file=data, actor=None,
                                               dry_run=False)
            progress = import_email_progress(planned=real.emails_planned,
                                             notification_ids=real.email_ids)
        shape = [(r.action, r.changes, r.name, r.role) for r in dry.rows]
        answers = [{**report.as_dict(), "sha256": "", "filename": ""} for report in (dry, real)]
        return shape, answers, real.summary, progress

    assert imported("nobody@new.example") == imported(NAMELESS)


def test_reimporting_keeps_the_open_invitation_and_replaces_an_expired_one(
        cohort, globex, django_capture_on_commit_callbacks):
    def imported(target, title="Analyst"):
        data = make_csv([row(NAMELESS, "Renamed By Acme", title=title)])
        with django_capture_on_commit_callbacks(execute=True):
            report = participants_import_csv(cohort=target, file=data, actor=None,
                                             dry_run=False)
        assert report.imported
        return [r.action for r in report.rows], len(report.email_ids)

    with organization_scope(cohort.organization):
        other_cohort = CohortFactory(program=cohort.program, organization=cohort.organization,
                                     status="enrolling")
        assert imported(other_cohort) == (["new person"], 1)
        assert imported(cohort) == (["new person"], 1)
        first = CohortInvitation.objects.get(cohort=cohort).invitation
        # the same file again: the open invitation stays (same link), no second email
        assert imported(cohort) == (["unchanged"], 0)
        # a changed cell updates what the invitation holds
        assert imported(cohort, title="Lead analyst") == (["update"], 0)
        assert CohortInvitation.objects.get(cohort=cohort).job_title == "Lead analyst"
        # once it has expired, the next import invites again and withdraws the old one
        Invitation.objects.filter(pk=first.pk).update(expires_at=first.created_at)
        assert imported(cohort) == (["new person"], 1)
        pending = [(p.cohort_id, p.invitation.is_pending, p.invitation.revoked_at is None)
                   for p in CohortInvitation.objects.select_related("invitation")
                   .order_by("pk")]

    assert pending == [(other_cohort.pk, True, True), (cohort.pk, False, False),
                       (cohort.pk, True, True)]


def test_accepting_the_invitation_enrolls_with_the_existing_account(
        client, cohort, globex, django_capture_on_commit_callbacks):
    with organization_scope(cohort.organization), \
            django_capture_on_commit_callbacks(execute=True):
        participants_import_csv(cohort=cohort, file=people_file(NAMELESS), actor=None,
                                dry_run=False)
    with organization_scope(cohort.organization):
        token = Invitation.objects.get(email=NAMELESS).token
    ana = User.objects.get(email=NAMELESS)
    client.force_login(ana)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("invitation_accept", kwargs={"token": token}))

    assert response.status_code == 302
    with organization_scope(cohort.organization):
        place = Participant.objects.select_related("profile").get(membership__user=ana)
        assert (place.cohort_id, place.role, place.status) == (cohort.pk, "mentor", "active")
        # what Acme said when it invited her is now her Acme profile
        assert (place.profile.job_title, place.profile.department,
                place.profile.languages) == ("Analyst", "Marketing", ["en"])
    assert Notification.objects.filter(kind="welcome", recipient=ana).count() == 1
    ana.refresh_from_db()
    # she joined Acme: a blank account name takes the invitation's, as a member's does on
    # import (and as a brand-new account's does when it accepts)
    assert ana.full_name == "Renamed By Acme"


def test_accepting_keeps_the_persons_own_name(client, cohort, globex,
                                              django_capture_on_commit_callbacks):
    with organization_scope(cohort.organization), \
            django_capture_on_commit_callbacks(execute=True):
        participants_import_csv(cohort=cohort, file=people_file(NAMED), actor=None,
                                dry_run=False)
        token = Invitation.objects.get(email=NAMED).token
    bruno = User.objects.get(email=NAMED)
    client.force_login(bruno)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("invitation_accept", kwargs={"token": token}))

    bruno.refresh_from_db()
    assert bruno.full_name == "Bruno Globexname"
    with organization_scope(other_organization := globex["organization"]):
        # his Globex profile is Globex's own: untouched
        assert Profile.objects.get(organization=other_organization).job_title == \
            "Head of Globex Grid"


def test_invitations_take_a_constant_number_of_queries(cohort, other_organization):
    def queries(n: int) -> int:
        emails = [f"elsewhere-{n}-{i}@globex.example" for i in range(n)]
        for email in emails:
            MembershipFactory(organization=other_organization, user=UserFactory(email=email))
        with organization_scope(cohort.organization), \
                CaptureQueriesContext(connection) as captured:
            assert participants_import_csv(cohort=cohort, file=people_file(*emails),
                                           actor=None, dry_run=False).imported
        return len(captured)

    assert queries(2) == queries(25)


# --- through the import page and the API ------------------------------------------------------

def page_url(name: str, cohort, **kwargs) -> str:
    return reverse(f"programs:{name}", kwargs={"org_slug": cohort.organization.slug,
                                               "cohort_pk": cohort.pk, **kwargs})


def normalised(html: str, email: str) -> str:
    html = html.replace(email, "EMAIL")
    html = re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1CSRF", html)
    html = re.sub(r"[0-9a-f]{64}", "SHA", html)
    html = re.sub(r"<code>[0-9a-f]{16}…</code>", "<code>SHA</code>", html)
    html = re.sub(r"/import/\d+/", "/import/N/", html)
    return re.sub(r"\d{1,2} \w{3} \d{4}, \d\d:\d\d", "DATE", html)


def import_through_pages(client, cohort, email, capture) -> tuple[str, str]:
    data = make_csv([row(email, "Renamed By Acme")])
    upload = client.post(page_url("cohort_import", cohort),
                         {"file": SimpleUploadedFile("people.csv", data, "text/csv")})
    assert upload.status_code == 302
    preview = client.get(upload["Location"]).content.decode()
    with organization_scope(cohort.organization):
        batch = ImportBatch.objects.order_by("-pk").first()
    with capture(execute=True):
        confirm = client.post(page_url("cohort_import_confirm", cohort, batch_pk=batch.pk),
                              {"sha256": batch.content_sha256})
    assert confirm.status_code == 302
    result = client.get(confirm["Location"]).content.decode()
    return normalised(preview, email), normalised(result, email)


def test_import_page_preview_and_result_reveal_nothing_of_another_tenant(
        admin_client, cohort, globex, django_capture_on_commit_callbacks):
    before = globex_rows(globex)

    elsewhere = import_through_pages(admin_client, cohort, NAMED,
                                     django_capture_on_commit_callbacks)
    brand_new = import_through_pages(admin_client, cohort, "carla@new.example",
                                     django_capture_on_commit_callbacks)

    preview, result = elsewhere
    for html in elsewhere:
        assert_nothing_of_globex(html, globex)
    assert "new to <bdi>Acme Retail</bdi>: gets an invitation email to join the cohort" in \
        preview
    assert "already has an account" not in preview
    assert "1 of 1 email sent" in re.sub(r"<[^>]+>", "", result)
    assert elsewhere == brand_new  # the same pages, word for word
    assert globex_rows(globex) == before


def test_api_import_reveals_nothing_of_another_tenant(
        admin_user, cohort, globex, django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(admin_user)
    url = f"/api/v1/o/{cohort.organization.slug}/cohorts/{cohort.pk}/import/"
    before = globex_rows(globex)

    def answers(email):
        data = make_csv([row(email, "Renamed By Acme")])
        found = []
        for dry_run in (True, False):
            with django_capture_on_commit_callbacks(execute=True):
                response = api.post(url, {"file": SimpleUploadedFile("p.csv", data, "text/csv"),
                                          "dry_run": dry_run}, format="multipart")
            assert response.status_code == 200, response.content
            assert_nothing_of_globex(response.content.decode(), globex)
            found.append({**response.json(), "sha256": ""})
        return found

    assert answers(NAMELESS) == answers("dora@new.example")
    assert globex_rows(globex) == before
    assert User.objects.get(email=NAMELESS).full_name == ""
