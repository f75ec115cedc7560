"""Sending surveys: the pure due rules, the beat scan that enqueues one task per message, the
invitation on the opening day, the one reminder before the close (never twice, never to
someone who answered), closing surveys whose day has passed, and tasks that take ids."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from core.models import Notification, NotificationChannel, NotificationPreference
from core.tenancy import organization_scope
from feedback import due, selectors, services, tasks
from feedback.models import Answer, QuestionKind, Survey, organization_today
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.feedback.conftest import answer, people

pytestmark = pytest.mark.django_db
D = dt.date(2027, 3, 1)


# --- the pure rules -------------------------------------------------------------------------------

@pytest.mark.parametrize(("today", "expected"), [
    (D - dt.timedelta(days=1), ()),
    (D, (due.INVITATION,)),
    (D + dt.timedelta(days=7), (due.INVITATION,)),
    (D + dt.timedelta(days=8), (due.INVITATION, due.REMINDER)),
    (D + dt.timedelta(days=10), (due.INVITATION, due.REMINDER)),
    (D + dt.timedelta(days=11), ()),
])
def test_the_invitation_and_the_reminder_are_due_on_their_days(today, expected):
    assert due.survey_messages_due(today=today, opens_on=D, closes_on=D + dt.timedelta(days=10),
                                   reminder_days=2) == expected


def test_no_reminder_when_switched_off_or_longer_than_the_survey():
    assert due.survey_messages_due(today=D, opens_on=D, closes_on=D, reminder_days=0) == (
        due.INVITATION,)
    assert due.survey_messages_due(today=D + dt.timedelta(days=1), opens_on=D,
                                   closes_on=D + dt.timedelta(days=1), reminder_days=3) == (
        due.INVITATION,)
    assert due.survey_messages_due(today=D, opens_on=None, closes_on=D, reminder_days=2) == ()


# --- the scan and its tasks ---------------------------------------------------------------------

@pytest.fixture
def open_survey(cohort):
    survey = SurveyFactory(cohort=cohort, title="Midpoint check", reminder_days=2)
    QuestionFactory(survey=survey, kind=QuestionKind.SCALE, audience="both")
    return survey


def _scan(django_capture_on_commit_callbacks, organization) -> int:
    with django_capture_on_commit_callbacks(execute=True):
        return tasks.survey_notifications_enqueue_for(organization_id=organization.pk)


def test_the_scan_invites_everyone_asked_once(scoped_organization, open_survey,
                                              django_capture_on_commit_callbacks):
    invited = people(open_survey.cohort, "mentor", "Sales", 2) + \
        people(open_survey.cohort, "mentee", "Finance", 1)

    queued = _scan(django_capture_on_commit_callbacks, scoped_organization)
    again = _scan(django_capture_on_commit_callbacks, scoped_organization)

    assert (queued, again) == (3, 0)
    keys = set(Notification.objects.values_list("key", flat=True))
    assert keys == {f"survey_open:{open_survey.pk}:{p.pk}" for p in invited}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.membership.user.email
                                                          for p in invited)
    message = mail.outbox[0]
    assert "Midpoint check" in message.subject
    assert "anonymous" in message.body
    assert f"/o/{scoped_organization.slug}/surveys/{open_survey.pk}/answer/" in \
        Notification.objects.first().link


def test_only_people_with_a_question_for_their_role_are_invited(scoped_organization, cohort,
                                                                django_capture_on_commit_callbacks):
    survey = SurveyFactory(cohort=cohort)
    QuestionFactory(survey=survey, audience="mentee")
    people(cohort, "mentor", "Sales", 2)
    mentee = people(cohort, "mentee", "Sales", 1)[0]

    _scan(django_capture_on_commit_callbacks, scoped_organization)

    assert list(Notification.objects.values_list("key", flat=True)) == [
        f"survey_open:{survey.pk}:{mentee.pk}"]


def test_drafts_scheduled_and_after_session_surveys_are_not_sent(
        scoped_organization, cohort, django_capture_on_commit_callbacks):
    today = organization_today(scoped_organization)
    for survey in (SurveyFactory(cohort=cohort, draft=True),
                   SurveyFactory(cohort=cohort, opens_on=today + dt.timedelta(days=1)),
                   SurveyFactory(cohort=cohort, post_session=True)):
        QuestionFactory(survey=survey)
    people(cohort, "mentor", "Sales", 2)

    assert _scan(django_capture_on_commit_callbacks, scoped_organization) == 0
    assert not Notification.objects.exists()


def test_one_reminder_before_the_close_to_those_who_have_not_answered(
        scoped_organization, open_survey, django_capture_on_commit_callbacks):
    answered, silent = people(open_survey.cohort, "mentor", "Sales", 2)
    _scan(django_capture_on_commit_callbacks, scoped_organization)
    answer(open_survey, answered, q1=4)
    reminder_day = open_survey.closes_on - dt.timedelta(days=open_survey.reminder_days)

    with time_machine.travel(dt.datetime.combine(reminder_day, dt.time(9)), tick=False):
        first = _scan(django_capture_on_commit_callbacks, scoped_organization)
        second = _scan(django_capture_on_commit_callbacks, scoped_organization)

    assert (first, second) == (1, 0)
    reminders = Notification.objects.filter(kind="survey_reminder")
    assert list(reminders.values_list("key", flat=True)) == [
        f"survey_reminder:{open_survey.pk}:{silent.pk}"]
    assert "only reminder" in mail.outbox[-1].body


def test_someone_invited_on_the_reminder_day_is_not_reminded_the_same_day(
        scoped_organization, open_survey, django_capture_on_commit_callbacks):
    people(open_survey.cohort, "mentor", "Sales", 1)
    reminder_day = open_survey.closes_on - dt.timedelta(days=open_survey.reminder_days)

    with time_machine.travel(dt.datetime.combine(reminder_day, dt.time(9)), tick=False):
        _scan(django_capture_on_commit_callbacks, scoped_organization)
        _scan(django_capture_on_commit_callbacks, scoped_organization)

    assert list(Notification.objects.values_list("kind", flat=True)) == ["survey_open"]


def test_the_message_task_is_idempotent_and_takes_ids(scoped_organization, open_survey):
    person = people(open_survey.cohort, "mentor", "Sales", 1)[0]
    args = (open_survey.pk, person.pk, "survey_open")

    with organization_scope(None):  # tasks open the tenant scope from the row themselves
        first = tasks.send_survey_message.run(*args)
        second = tasks.send_survey_message.run(*args)
        missing = tasks.send_survey_message.run(987654, person.pk, "survey_open")

    assert (first, second, missing) == (True, False, False)
    assert Notification.objects.count() == 1


def test_nobody_is_asked_who_turned_survey_emails_off(scoped_organization, open_survey,
                                                      django_capture_on_commit_callbacks):
    person = people(open_survey.cohort, "mentor", "Sales", 1)[0]
    NotificationPreference.objects.create(user=person.membership.user, kind="survey_open",
                                          channel=NotificationChannel.OFF)

    _scan(django_capture_on_commit_callbacks, scoped_organization)

    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_publishing_an_open_survey_invites_at_once(scoped_organization, cohort,
                                                   django_capture_on_commit_callbacks):
    survey = SurveyFactory(cohort=cohort, draft=True)
    QuestionFactory(survey=survey)
    person = people(cohort, "mentor", "Sales", 1)[0]

    with django_capture_on_commit_callbacks(execute=True):
        services.survey_publish(survey=survey, actor=None)

    assert list(Notification.objects.values_list("key", flat=True)) == [
        f"survey_open:{survey.pk}:{person.pk}"]


def test_the_scan_closes_a_survey_whose_day_has_passed_and_releases_the_rest(
        scoped_organization, open_survey, django_capture_on_commit_callbacks):
    for person in people(open_survey.cohort, "mentor", "Sales", 3) + \
            people(open_survey.cohort, "mentee", "Legal", 2):
        answer(open_survey, person, q1=3)
    after = open_survey.closes_on + dt.timedelta(days=1)

    with time_machine.travel(dt.datetime.combine(after, dt.time(9)), tick=False):
        assert selectors.surveys_due_to_close() == [open_survey.pk]
        _scan(django_capture_on_commit_callbacks, scoped_organization)
        assert selectors.surveys_due_to_close() == []

    assert Survey.objects.get(pk=open_survey.pk).closed_at is not None
    assert Answer.objects.count() == 5


def test_the_beat_task_scans_every_organization(scoped_organization, open_survey,
                                                other_organization,
                                                django_capture_on_commit_callbacks):
    people(open_survey.cohort, "mentor", "Sales", 1)
    with organization_scope(other_organization):
        other = SurveyFactory(cohort__program__organization=other_organization)
        QuestionFactory(survey=other)
        people(other.cohort, "mentor", "Sales", 1)

    with organization_scope(None), django_capture_on_commit_callbacks(execute=True):
        queued = tasks.scan_surveys.run()

    assert queued == 2
    with organization_scope(other_organization):
        assert Notification.objects.filter(organization=other_organization).count() == 1


def test_survey_emails_carry_the_one_click_stop_of_their_kind(scoped_organization, open_survey,
                                                               django_capture_on_commit_callbacks):
    import email

    from django.test import Client
    from django.urls import reverse

    from accounts.unsubscribe import unsubscribe_token

    invited = people(open_survey.cohort, "mentor", "Sales", 1)[0]
    _scan(django_capture_on_commit_callbacks, scoped_organization)

    message = mail.outbox[0]
    parsed = email.message_from_bytes(message.message().as_bytes())
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = "".join(parsed["List-Unsubscribe"].split()).strip("<>")
    user = invited.membership.user
    path = reverse("unsubscribe", kwargs={"token": unsubscribe_token(
        user_id=user.pk, kind=services.SURVEY_OPEN_KIND)})
    assert url.endswith(path)
    assert url in message.body
    assert url in message.alternatives[0][0]

    # a mail client's one-click POST (no session, no CSRF token) stops survey invitations only
    assert Client(enforce_csrf_checks=True).post(path).status_code == 200
    assert NotificationPreference.objects.get(
        user=user, kind=services.SURVEY_OPEN_KIND).channel == NotificationChannel.OFF
    assert not NotificationPreference.objects.filter(
        user=user, kind=services.SURVEY_REMINDER_KIND).exists()
