"""Inviting people into a cohort, self-enrollment through the shareable link, decisions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.login_links import login_link_read
from accounts.models import Invitation, Membership
from accounts.services import invitation_accept
from core.models import Notification
from programs.models import CohortInvitation, Participant, ParticipantTopic
from programs.services import participants as participant_services
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import CohortFactory, ParticipantFactory, TopicFactory
from tests.programs.conftest import notifications

pytestmark = pytest.mark.django_db


def invite_url(cohort) -> str:
    return reverse("programs:cohort_invite",
                   kwargs={"org_slug": cohort.organization.slug, "cohort_pk": cohort.pk})


def apply_url(cohort) -> str:
    return reverse("programs:cohort_apply", kwargs={"org_slug": cohort.organization.slug,
                                                    "token": cohort.enrollment_token})


# --- invitations into a cohort -------------------------------------------------------------

def test_new_person_invited_as_mentee_is_enrolled_when_they_accept(admin_client, cohort, outbox):
    with outbox() as sent:
        response = admin_client.post(invite_url(cohort), {"email": "New.Person@Acme.example",
                                                          "role": "mentee"})

    assert response.status_code == 302
    invitation = Invitation.objects.get(email="new.person@acme.example")
    place = CohortInvitation.objects.get(invitation=invitation)
    assert (place.cohort, place.role) == (cohort, "mentee")
    assert not Participant.objects.filter(cohort=cohort).exists()
    assert [m.to for m in sent] == [["new.person@acme.example"]]
    assert "Pilot" in sent[0].body
    assert "as a mentee (senior leader)" in sent[0].body

    user = UserFactory(email="new.person@acme.example")
    with outbox() as sent:
        membership = invitation_accept(token=invitation.token, user=user)

    participant = Participant.objects.get(cohort=cohort, membership=membership)
    assert (participant.role, participant.status) == ("mentee", "active")
    assert [m.subject for m in sent] == ["Welcome to Reverse Mentoring 2027 · Pilot"]
    # the button signs them in on their profile (a personal link, accounts/login_links.py)
    token = re.search(r"/l/([^/\s]+)/", sent[0].body).group(1)
    assert login_link_read(token).target.endswith(
        f"/programs/participants/{participant.pk}/profile/")
    assert "Leaders learn digital habits" in sent[0].body


def test_existing_member_is_enrolled_at_once_and_welcomed_once(admin_client, cohort,
                                                               member_user, outbox):
    with outbox() as sent:
        response = admin_client.post(invite_url(cohort), {"email": member_user.email,
                                                          "role": "mentor"})

    assert response.status_code == 302
    participant = Participant.objects.get(cohort=cohort, membership__user=member_user)
    assert (participant.role, participant.status) == ("mentor", "active")
    assert not Invitation.objects.filter(email=member_user.email).exists()
    assert [(m.to, m.subject) for m in sent] == [
        ([member_user.email], "Welcome to Reverse Mentoring 2027 · Pilot")]

    with outbox() as sent:
        again = admin_client.post(invite_url(cohort), {"email": member_user.email,
                                                       "role": "mentor"})

    assert again.status_code == 400
    assert "already in this cohort as mentor" in again.content.decode()
    assert sent == []
    assert Participant.objects.filter(cohort=cohort).count() == 1


def test_invite_with_pending_invitation_to_another_cohort_is_refused(cohort, admin_user):
    other = CohortFactory(program=cohort.program, organization=cohort.organization)
    participant_services.participant_invite(cohort=other, email="x@acme.example",
                                            role="mentor", invited_by=admin_user)

    with pytest.raises(ValidationError, match="pending invitation to the cohort"):
        participant_services.participant_invite(cohort=cohort, email="x@acme.example",
                                                role="mentor", invited_by=admin_user)

    assert CohortInvitation.objects.count() == 1
    assert Invitation.objects.get().revoked_at is None


def test_cohort_closed_before_acceptance_still_lets_the_person_join(cohort, admin_user):
    result = participant_services.participant_invite(cohort=cohort, email="late@acme.example",
                                                     role="mentor", invited_by=admin_user)
    cohort.status = "completed"
    cohort.save()

    membership = invitation_accept(token=result.invitation.token,
                                   user=UserFactory(email="late@acme.example"))

    assert Membership.objects.filter(pk=membership.pk).exists()
    assert not Participant.objects.exists()


def test_welcome_email_is_idempotent_per_participant(cohort, outbox):
    participant = ParticipantFactory(cohort=cohort)
    with outbox() as sent:
        participant_services.participant_send_welcome(participant=participant)
        participant_services.participant_send_welcome(participant=participant)

    assert len(sent) == 1
    assert len(notifications("welcome")) == 1


def test_invite_form_errors_are_shown_next_to_fields(admin_client, cohort):
    response = admin_client.post(invite_url(cohort), {"email": "not-an-email", "role": "boss"})

    assert response.status_code == 400
    assert response.context["form"].errors.keys() == {"email", "role"}
    assert not Invitation.objects.exists()


# --- self-enrollment -----------------------------------------------------------------------

@pytest.mark.parametrize(("status", "opens", "closes", "message"), [
    ("draft", None, None, "not open: the cohort is draft"),
    ("matching", None, None, "not open: the cohort is matching"),
    ("enrolling", 3, None, "Come back then"),
    ("enrolling", None, -1, "closed on"),
])
def test_outside_the_window_the_link_explains_why(member_client, cohort, status, opens, closes,
                                                  message, db_snapshot):
    today = timezone.localdate()
    cohort.status = status
    cohort.enrollment_opens = today + dt.timedelta(days=opens) if opens is not None else None
    cohort.enrollment_closes = today + dt.timedelta(days=closes) if closes is not None else None
    cohort.save()

    page = member_client.get(apply_url(cohort))

    assert page.status_code == 200
    assert message in page.content.decode()
    assert b"<textarea" not in page.content
    before = db_snapshot()
    posted = member_client.post(apply_url(cohort), {"role": "mentor", "note": "Please"})
    assert posted.status_code == 400
    assert db_snapshot() == before


def test_member_applies_within_the_window(member_client, member_user, cohort):
    topic = TopicFactory(organization=cohort.organization, name="TikTok")
    today = timezone.localdate()
    cohort.enrollment_opens, cohort.enrollment_closes = today, today
    cohort.save()

    page = member_client.get(apply_url(cohort))
    assert page.status_code == 200
    assert b'name="note"' in page.content

    response = member_client.post(apply_url(cohort), {
        "role": "mentor", "note": "I run our team's social accounts.", "teach": [topic.pk]})

    participant = Participant.objects.get(cohort=cohort, membership__user=member_user)
    assert response.status_code == 302
    assert response.url == reverse("programs:participant_profile", kwargs={
        "org_slug": cohort.organization.slug, "participant_pk": participant.pk})
    assert (participant.role, participant.status) == ("mentor", "applied")
    assert participant.application_note == "I run our team's social accounts."
    assert list(ParticipantTopic.objects.values_list("topic__name", "interest")) == [
        ("TikTok", "teach")]

    again = member_client.get(apply_url(cohort))
    assert b"You applied as mentor" in again.content
    second = member_client.post(apply_url(cohort), {"role": "mentee", "note": "x",
                                                    "learn": [topic.pk]})
    assert second.status_code == 400
    assert Participant.objects.get(pk=participant.pk).role == "mentor"


def test_mentor_application_needs_a_topic_to_teach(member_client, cohort):
    response = member_client.post(apply_url(cohort), {"role": "mentor", "note": "Keen"})

    assert response.status_code == 400
    assert response.context["form"].errors["teach"] == [
        "As a mentor, tick at least one topic you could teach."]
    assert not Participant.objects.exists()


def test_member_of_another_organization_gets_404(client, other_admin_user, cohort):
    client.force_login(other_admin_user)

    assert client.get(apply_url(cohort)).status_code == 404
    other_org_url = reverse("programs:cohort_apply", kwargs={
        "org_slug": "globex", "token": cohort.enrollment_token})
    assert client.get(other_org_url).status_code == 404


def _application(cohort) -> Participant:
    return ParticipantFactory(cohort=cohort, role="mentee", status="applied")


def decide_url(participant) -> str:
    return reverse("programs:participant_decide", kwargs={
        "org_slug": participant.organization.slug, "participant_pk": participant.pk})


def test_approving_enrolls_and_emails_decision_and_welcome(admin_client, cohort, outbox):
    participant = _application(cohort)

    with outbox() as sent:
        response = admin_client.post(decide_url(participant), {"decision": "approve",
                                                               "reason": "Welcome aboard"})

    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.status == "active"
    assert participant.decided_at is not None
    assert [m.subject for m in sent] == ["You are in: Reverse Mentoring 2027 · Pilot",
                                         "Welcome to Reverse Mentoring 2027 · Pilot"]
    assert "Welcome aboard" in sent[0].body
    assert all(m.to == [participant.membership.user.email] for m in sent)


def test_declining_emails_the_applicant_and_a_second_decision_is_refused(admin_client, cohort,
                                                                          outbox):
    participant = _application(cohort)

    with outbox() as sent:
        admin_client.post(decide_url(participant), {"decision": "decline"})
    participant.refresh_from_db()
    assert participant.status == "declined"
    assert [m.subject for m in sent] == [
        "Your application to Reverse Mentoring 2027 · Pilot"]
    assert "not accepted" in sent[0].body

    with outbox() as sent:
        response = admin_client.post(decide_url(participant), {"decision": "approve"},
                                     follow=True)
    assert sent == []
    assert "has no open application" in response.content.decode()
    assert Participant.objects.get(pk=participant.pk).status == "declined"
    assert Notification.objects.filter(kind="application_decision").count() == 1


def test_member_cannot_decide_applications(member_client, cohort, db_snapshot):
    participant = _application(cohort)
    before = db_snapshot()

    response = member_client.post(decide_url(participant), {"decision": "approve"})

    assert response.status_code == 403
    assert db_snapshot() == before


def test_withdrawn_member_can_apply_again(member_user, cohort, organization):
    membership = Membership.objects.get(user=member_user)
    participant = ParticipantFactory(cohort=cohort, membership=membership, status="withdrawn")
    topic = TopicFactory(organization=organization)

    again = participant_services.participant_apply(cohort=cohort, membership=membership,
                                                   role="mentee", note="Back again",
                                                   learn=[topic])

    assert again.pk == participant.pk
    assert (again.status, again.role) == ("applied", "mentee")


def test_invited_existing_applicant_is_approved_by_the_invitation(admin_user, cohort, outbox):
    membership = MembershipFactory(organization=cohort.organization)
    participant = ParticipantFactory(cohort=cohort, membership=membership, status="applied",
                                     role="mentee")

    with outbox() as sent:
        result = participant_services.participant_invite(
            cohort=cohort, email=membership.user.email, role="mentor", invited_by=admin_user)

    assert result.participant.pk == participant.pk
    participant.refresh_from_db()
    assert (participant.status, participant.role) == ("active", "mentor")
    assert len(sent) == 1


def test_the_invite_page_lists_the_newest_invitations_and_counts_them_all(admin_client, cohort):
    """10,000 imported invitations made a 1.5 MB invite page; it lists the newest 20 with the
    same queries for 1 or 25, and sends HR to the roster, which pages through every one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programs.views.participants import INVITES_SHOWN
    from tests.factories.programs import CohortInvitationFactory

    CohortInvitationFactory(cohort=cohort, invitation__email="gone@example.com",
                            invitation__revoked_at=timezone.now())
    CohortInvitationFactory(cohort=cohort, invitation__email="late@example.com",
                            invitation__expires_at=timezone.now() - dt.timedelta(days=1))
    counted = []
    for invited in (1, 25):
        while CohortInvitation.objects.filter(invitation__email__startswith="new").count() \
                < invited:
            number = CohortInvitation.objects.filter(
                invitation__email__startswith="new").count()
            CohortInvitationFactory(cohort=cohort, invitation__email=f"new{number}@example.com")
        with CaptureQueriesContext(connection) as queries:
            page = admin_client.get(invite_url(cohort)).content.decode()
        counted.append(len(queries.captured_queries))

        listed = re.findall(r"new(\d+)@example\.com", page)
        assert listed == [str(n) for n in reversed(range(invited))][:INVITES_SHOWN]
        assert "gone@example.com" not in page
        assert "late@example.com" not in page
        assert f"Waiting for an answer ({invited})" in page
        assert ("see all 25 on the roster" in page) is (invited > INVITES_SHOWN)
    assert counted[0] == counted[1]
