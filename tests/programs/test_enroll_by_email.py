"""One participant_enroll_by_email for the API's enrolment and the web invitation of an
existing member, and one welcome (kind, key) for the single and the bulk path."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from core.models import Notification
from programs.models import Participant, ParticipantStatus
from programs.services import participants as participant_services
from tests.factories.accounts import MembershipFactory, UserFactory
from tests.factories.programs import ParticipantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(cohort):
    return MembershipFactory(organization=cohort.organization,
                             user=UserFactory(email="li@acme.example"))


def test_enrolls_a_member_by_email_in_any_case_with_goals_and_one_welcome(
        cohort, member, admin_user):
    participant = participant_services.participant_enroll_by_email(
        cohort=cohort, email="LI@Acme.example", role="mentor", actor=admin_user,
        capacity=2, learning_goals="Strategy")

    assert (participant.membership, participant.role, participant.status, participant.capacity,
            participant.learning_goals) == (member, "mentor", ParticipantStatus.ACTIVE, 2,
                                            "Strategy")
    assert list(Notification.objects.filter(kind="welcome").values_list("key", flat=True)) \
        == [participant_services.welcome_key(participant)]


def test_refuses_a_stranger_and_an_existing_place_and_changes_nothing(cohort, member,
                                                                      admin_user):
    place = ParticipantFactory(cohort=cohort, membership=member, role="mentee",
                               status=ParticipantStatus.WITHDRAWN)

    with pytest.raises(ValidationError) as stranger:
        participant_services.participant_enroll_by_email(
            cohort=cohort, email="nobody@acme.example", role="mentor", actor=admin_user)
    with pytest.raises(ValidationError) as existing:
        participant_services.participant_enroll_by_email(
            cohort=cohort, email="li@acme.example", role="mentor", actor=admin_user)

    assert "not a member" in stranger.value.message_dict["email"][0]
    assert f"already has a place in this cohort (#{place.pk})" in \
        existing.value.message_dict["email"][0]
    place.refresh_from_db()
    assert (place.role, place.status) == ("mentee", ParticipantStatus.WITHDRAWN)
    assert not Notification.objects.exists()


def test_reenroll_activates_a_place_that_is_not_active_and_refuses_an_active_one(
        cohort, member, admin_user):
    place = ParticipantFactory(cohort=cohort, membership=member, role="mentee",
                               status=ParticipantStatus.WITHDRAWN)

    again = participant_services.participant_enroll_by_email(
        cohort=cohort, email="li@acme.example", role="mentor", actor=admin_user,
        reenroll=True)
    with pytest.raises(ValidationError, match="already in this cohort as mentor"):
        participant_services.participant_enroll_by_email(
            cohort=cohort, email="li@acme.example", role="mentor", actor=admin_user,
            reenroll=True)

    assert again.pk == place.pk
    assert (again.role, again.status) == ("mentor", ParticipantStatus.ACTIVE)
    assert Participant.objects.filter(cohort=cohort).count() == 1
    assert Notification.objects.filter(kind="welcome").count() == 1


def test_the_bulk_welcome_never_welcomes_a_place_welcomed_one_by_one(cohort, member):
    place = ParticipantFactory(cohort=cohort, membership=member)
    single = participant_services.participant_send_welcome(participant=place)

    keys = participant_services.participants_send_welcome_bulk(participants=[place],
                                                               cohort=cohort)

    assert keys == [single.key]
    assert Notification.objects.filter(kind="welcome").count() == 1
