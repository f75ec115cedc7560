"""Check-ins, fit checks and HR alerts (issue 10): the pure rules, opening them (once), answering
on the web and the API, the one-click email link, the HR alert that names the pair and the
reasons (never the words unless shared), acknowledging and resolving, and bad input."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from core.models import Notification
from core.notifications import personal_action_url
from core.tenancy import organization_scope
from matching.models import PairStatus
from sessions.checkins import rules, selectors, services
from sessions.due import DEFAULT_INACTIVITY_DAYS
from sessions.models import (
    AlertKind,
    AlertStatus,
    CheckIn,
    CheckInSchedule,
    CheckInStatus,
    FitCheck,
    HRAlert,
)
from tests.factories.accounts import MembershipFactory
from tests.factories.checkins import CheckInFactory, FitCheckFactory, HRAlertFactory
from tests.factories.sessions import MentoringSessionFactory

pytestmark = pytest.mark.django_db

UTC = dt.UTC
CALM = {"score": 4, "blockers": ["time"], "agenda_set_by": "together", "candour": 4,
        "wants_hr_contact": False}


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


# --- the pure rules ------------------------------------------------------------------------

def test_periods_count_whole_cadences_from_the_first_session():
    first = at(2026, 3, 2, 14)

    assert rules.current_period(first_session_at=first, cadence_days=28,
                                now=at(2026, 3, 30, 13, 59)) == 0
    assert rules.current_period(first_session_at=first, cadence_days=28,
                                now=at(2026, 3, 30, 14)) == 1
    assert rules.current_period(first_session_at=first, cadence_days=28,
                                now=at(2026, 4, 27, 13)) == 1
    assert rules.current_period(first_session_at=first, cadence_days=28,
                                now=at(2026, 5, 25, 14)) == 3
    assert rules.current_period(first_session_at=first, cadence_days=28,
                                now=at(2026, 3, 1)) == 0
    with pytest.raises(ValueError, match="positive"):
        rules.current_period(first_session_at=first, cadence_days=0, now=first)


def test_only_people_not_yet_asked_for_the_current_period_are_due():
    first = at(2026, 3, 2, 14)
    pairs = [rules.PairFacts(1, (10, 11), first, 28, frozenset({(10, 1)})),
             rules.PairFacts(2, (20, 21), None, 28),
             rules.PairFacts(3, (30, 31), at(2026, 3, 20), 28)]

    due = rules.check_ins_due(pairs, now=at(2026, 4, 1))

    assert due == [rules.CheckInDue(1, 11, 1, at(2026, 3, 30, 14))]


@pytest.mark.parametrize(("answers", "reasons"), [
    ({"score": 3, "blockers": [], "candour": 3, "wants_hr_contact": False}, []),
    ({"score": 2, "blockers": [], "candour": 3, "wants_hr_contact": False}, ["low_score"]),
    ({"score": 1, "blockers": [], "candour": 3, "wants_hr_contact": False}, ["low_score"]),
    ({"score": 5, "blockers": ["relationship"], "candour": 5, "wants_hr_contact": False},
     ["relationship"]),
    ({"score": 5, "blockers": ["time", "other"], "candour": 2, "wants_hr_contact": False},
     ["low_candour"]),
    ({"score": 5, "blockers": [], "candour": 5, "wants_hr_contact": True}, ["wants_contact"]),
    ({"score": 1, "blockers": ["relationship"], "candour": 1, "wants_hr_contact": True},
     ["low_score", "relationship", "low_candour", "wants_contact"]),
])
def test_which_answers_raise_an_alert(answers, reasons):
    assert rules.check_in_alert_reasons(**answers) == reasons


def test_the_fit_check_comes_48_hours_after_the_first_session_and_only_no_opens_a_case():
    ended = at(2026, 3, 2, 15)

    assert not rules.fit_check_is_due(first_session_ended_at=ended, now=at(2026, 3, 4, 14, 59))
    assert rules.fit_check_is_due(first_session_ended_at=ended, now=at(2026, 3, 4, 15))
    assert not rules.fit_check_is_due(first_session_ended_at=None, now=at(2030, 1, 1))
    assert [rules.fit_check_alert_reasons(a) for a in ("yes", "not_sure", "no")] == [
        [], [], ["not_working"]]


# --- opening check-ins and fit checks ----------------------------------------------------

def _held(pair, days_ago: float, minutes: int = 45):
    return MentoringSessionFactory(
        pair=pair, held=True, duration_minutes=minutes,
        starts_at=timezone.now() - dt.timedelta(days=days_ago))


def test_check_ins_open_at_the_cadence_once_each_with_a_one_click_link(world, sent):
    _held(world.pair, days_ago=29)

    with sent() as emails:
        opened = services.check_ins_open_due(organization=world.pair.organization)
    with sent() as again:
        reopened = services.check_ins_open_due(organization=world.pair.organization)

    assert opened == (2, 2)  # two check-ins (period 1) and two fit checks
    assert reopened == (0, 0)
    assert again == []
    check_ins = CheckIn.objects.filter(pair=world.pair).order_by("participant_id")
    assert [(c.participant_id, c.period, c.status) for c in check_ins] == sorted(
        [(world.mentor.pk, 1, "pending"), (world.mentee.pk, 1, "pending")])
    asks = [e for e in emails if "30 seconds" in e.subject]
    assert sorted(e.to[0] for e in asks) == sorted([world.mentor_user.email,
                                                    world.mentee_user.email])
    keys = set(Notification.objects.filter(kind="check_in_due").values_list("key", flat=True))
    assert keys == {f"check_in_due:{world.pair.pk}:{u.pk}:c1:1"
                    for u in (world.mentor_user, world.mentee_user)}
    body = asks[0].body
    assert "/l/" in body  # a personal sign-in link, made when sent
    assert "&amp;" not in body
    assert "<p>" not in body


def test_nothing_is_opened_before_the_cadence_or_for_a_paused_pair(world):
    _held(world.pair, days_ago=10)
    assert services.check_ins_open_due(organization=world.pair.organization) == (0, 2)

    _held(world.pair, days_ago=40)
    world.pair.status = PairStatus.PAUSED
    world.pair.save()
    assert services.check_ins_open_due(organization=world.pair.organization) == (0, 0)


def test_the_cohorts_cadence_setting_is_used(world):
    CheckInSchedule.objects.create(organization=world.pair.organization,
                                   cohort=world.pair.cohort, cadence_days=14)
    _held(world.pair, days_ago=29)

    due = selectors.check_ins_due(organization=world.pair.organization)

    assert {d.period for d in due} == {2}


def test_the_fit_check_waits_48_hours_after_the_first_logged_session(world):
    _held(world.pair, days_ago=1.5)
    assert selectors.fit_checks_due(organization=world.pair.organization) == []

    assert selectors.fit_checks_due(organization=world.pair.organization,
                                    now=timezone.now() + dt.timedelta(hours=13)) == [
        selectors.FitCheckDue(world.pair.pk, world.pair.mentor_id),
        selectors.FitCheckDue(world.pair.pk, world.pair.mentee_id)]


def test_the_reminder_is_sent_once_and_never_for_an_answered_check_in(world, sent):
    check_in = services.check_in_open(pair=world.pair, participant=world.mentee, period=1,
                                      due_on=timezone.localdate())

    with sent() as emails:
        assert services.check_in_remind(check_in=check_in)
        assert services.check_in_remind(check_in=check_in)
    services.check_in_answer(check_in=check_in, actor=world.mentee, **CALM)

    assert [e.subject for e in emails] == [
        f"Reminder: 30 seconds: how is your mentoring with {world.mentor_user.display_name} "
        "going?"]
    assert Notification.objects.filter(key__endswith=":c1:1r").count() == 1
    assert not services.check_in_remind(check_in=check_in)


# --- answering -------------------------------------------------------------------------------

@pytest.fixture
def hr_admins(world):
    org = world.pair.organization
    return [MembershipFactory(organization=org, role=Role.ADMIN).user for _ in range(2)]


def test_a_calm_answer_is_saved_and_raises_nothing(world, hr_admins, sent):
    check_in = CheckInFactory(pair=world.pair, participant=world.mentee)

    with sent() as emails:
        answered = services.check_in_answer(check_in=check_in, actor=world.mentee, **CALM)

    assert (answered.status, answered.score, answered.blockers) == ("answered", 4, ["time"])
    assert not HRAlert.objects.exists()
    assert emails == []


def test_a_low_answer_alerts_every_hr_admin_naming_the_pair_and_reasons_not_the_words(
        world, hr_admins, sent):
    check_in = CheckInFactory(pair=world.pair, participant=world.mentee)
    words = "WORDS-7f3a my mentor talks over me"

    with sent() as emails:
        services.check_in_answer(check_in=check_in, actor=world.mentee, score=2,
                                 blockers=["relationship", "other"], blocker_text=words,
                                 agenda_set_by="partner", candour=1, wants_hr_contact=True)

    alert = HRAlert.objects.get()
    assert (alert.kind, alert.status, alert.pair_id, alert.participant_id) == (
        "check_in", "open", world.pair.pk, world.mentee.pk)
    assert alert.reasons == ["low_score", "relationship", "low_candour", "wants_contact"]
    assert alert.shared_text == ""
    assert sorted(e.to[0] for e in emails) == sorted(u.email for u in hr_admins)
    for email in emails:
        assert world.mentor_user.display_name in email.subject
        assert "Would like HR to reach out" in email.body
        assert words not in email.body + email.alternatives[0][0]
    inbox = Notification.objects.filter(kind="hr_alert", recipient=hr_admins[0]).get()
    assert inbox.link == reverse("checkins:hr_alert", kwargs={
        "org_slug": world.pair.organization.slug, "alert_pk": alert.pk})


def test_the_words_reach_hr_only_when_shared(world, hr_admins, sent):
    check_in = CheckInFactory(pair=world.pair, participant=world.mentee)

    with sent() as emails:
        services.check_in_answer(check_in=check_in, actor=world.mentee, score=1, blockers=[],
                                 blocker_text="SHARED-91c please call me",
                                 agenda_set_by="nobody", candour=3, wants_hr_contact=False,
                                 share_text_with_hr=True)

    assert HRAlert.objects.get().shared_text == "SHARED-91c please call me"
    assert all("SHARED-91c" not in e.body for e in emails)  # emails never carry words


def test_an_answer_is_given_once_by_the_person_asked_only(world):
    check_in = CheckInFactory(pair=world.pair, participant=world.mentee)

    with pytest.raises(Exception, match="Only the person asked"):
        services.check_in_answer(check_in=check_in, actor=world.mentor, **CALM)
    services.check_in_answer(check_in=check_in, actor=world.mentee, **CALM)
    with pytest.raises(Exception, match="already answered"):
        services.check_in_answer(check_in=check_in, actor=world.mentee, **{**CALM, "score": 1})

    check_in.refresh_from_db()
    assert check_in.score == 4
    assert not HRAlert.objects.exists()


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"score": 0}, "score", "from 1 (badly) to 5"),
    ({"candour": 6}, "candour", "how candid"),
    ({"blockers": ["weather"]}, "blockers", "not weather"),
    ({"blockers": ["other"]}, "blocker_text", "say in a few words"),
    ({"blocker_text": "x" * 2001}, "blocker_text", "under 2000"),
    ({"agenda_set_by": "boss"}, "agenda_set_by", "who set the agenda"),
    ({"wants_hr_contact": None}, "wants_hr_contact", "yes or no"),
])
def test_bad_answers_are_refused_with_a_reason_and_change_nothing(world, change, field,
                                                                  message):
    from django.core.exceptions import ValidationError

    check_in = CheckInFactory(pair=world.pair, participant=world.mentee)

    with pytest.raises(ValidationError) as error:
        services.check_in_answer(check_in=check_in, actor=world.mentee, **{**CALM, **change})

    assert message.lower() in " ".join(error.value.message_dict[field]).lower()
    check_in.refresh_from_db()
    assert check_in.status == CheckInStatus.PENDING


def test_a_no_to_the_fit_check_opens_a_rematch_case_the_partner_never_sees(
        world, hr_admins, sent, client):
    fit = FitCheckFactory(pair=world.pair, participant=world.mentee)
    FitCheckFactory(pair=world.pair, participant=world.mentor)

    with sent() as emails:
        services.fit_check_answer(fit_check=fit, actor=world.mentee, answer="no")

    case = HRAlert.objects.get()
    assert (case.kind, case.reasons, case.fit_check_id) == ("rematch", ["not_working"], fit.pk)
    assert {e.to[0] for e in emails} == {u.email for u in hr_admins}
    assert all("Re-match case" in e.subject for e in emails)
    # the partner's own fit-check page and API show only their own (unanswered) question
    client.force_login(world.mentor_user)
    kwargs = {"org_slug": world.pair.organization.slug, "pair_pk": world.pair.pk}
    page = client.get(reverse("checkins:fit_check", kwargs=kwargs)).content.decode()
    api = client.get(reverse("api_pair_fit_check", kwargs=kwargs)).json()
    assert 'name="answer"' in page
    assert "You answered" not in page
    assert api["fit_check"]["answer"] == ""


def test_not_sure_and_yes_open_nothing(world):
    for person, answer in ((world.mentee, "yes"), (world.mentor, "not_sure")):
        fit = FitCheckFactory(pair=world.pair, participant=person)
        services.fit_check_answer(fit_check=fit, actor=person, answer=answer)

    assert not HRAlert.objects.exists()
    assert sorted(FitCheck.objects.values_list("answer", flat=True)) == ["not_sure", "yes"]


# --- the web pages ---------------------------------------------------------------------------

def _pair_url(name, world):
    return reverse(name, kwargs={"org_slug": world.pair.organization.slug,
                                 "pair_pk": world.pair.pk})


FORM = {"score": "2", "blockers": ["relationship"], "blocker_text": "PRIVATE-55 words",
        "agenda_set_by": "partner", "candour": "4", "wants_hr_contact": "no"}


def test_the_form_is_labelled_and_answers_post_once(world, mentee_client):
    CheckInFactory(pair=world.pair, participant=world.mentee)
    url = _pair_url("checkins:check_in", world)

    page = mentee_client.get(url).content.decode()
    response = mentee_client.post(url, FORM)
    after = mentee_client.get(url).content.decode()

    for label in ("How is your mentoring going?", "Anything in the way?",
                  "Who set the agenda last time?", "Did you feel able to speak candidly?",
                  "Would you like HR to reach out?", "Share what I wrote with HR"):
        assert label in page
    assert "<legend" in page
    assert "<fieldset" in page
    assert response.status_code == 302
    assert CheckIn.objects.get().status == "answered"
    assert HRAlert.objects.get().reasons == ["low_score", "relationship"]
    assert "you answered your latest check-in" in after


def test_a_bad_form_says_what_to_fix_next_to_the_field(world, mentee_client):
    CheckInFactory(pair=world.pair, participant=world.mentee)

    response = mentee_client.post(_pair_url("checkins:check_in", world),
                                  {**FORM, "blockers": ["other"], "blocker_text": "",
                                   "score": ""})

    assert response.status_code == 400
    body = response.content.decode()
    assert 'id="id_score_error"' in body
    assert "from 1 (badly) to 5" in body
    assert 'id="id_blocker_text_error"' in body
    assert CheckIn.objects.get().status == "pending"


def test_each_person_sees_only_their_own_check_in_on_the_same_url(world, client):
    mine = CheckInFactory(pair=world.pair, participant=world.mentee)
    services.check_in_answer(check_in=mine, actor=world.mentee, **{
        **CALM, "blockers": ["other"], "blocker_text": "MENTEE-ONLY-1b2"})
    CheckInFactory(pair=world.pair, participant=world.mentor, period=mine.period)

    client.force_login(world.mentor_user)
    pages = [client.get(_pair_url(name, world)).content.decode()
             for name in ("checkins:check_in", "api_pair_check_in")]
    pages.append(client.get(reverse("checkins:mine", kwargs={
        "org_slug": world.pair.organization.slug})).content.decode())
    pages.append(client.get(reverse("api_my_check_ins", kwargs={
        "org_slug": world.pair.organization.slug})).content.decode())

    assert all("MENTEE-ONLY-1b2" not in page for page in pages)
    assert 'name="score"' in pages[0]  # the mentor's own, still waiting


def test_the_start_page_offers_the_waiting_check_in(world, mentee_client):
    CheckInFactory(pair=world.pair, participant=world.mentee)
    FitCheckFactory(pair=world.pair, participant=world.mentee)

    page = mentee_client.get(reverse("org_home", kwargs={
        "org_slug": world.pair.organization.slug})).content.decode()

    assert "30-second check-in" in page
    assert _pair_url("checkins:check_in", world) in page
    assert _pair_url("checkins:fit_check", world) in page
    # both ask about the partner, by name
    partner = world.pair.mentor.membership.user.display_name
    assert f"how is it going with <bdi>{escape(partner)}</bdi>?" in page
    assert f"Is your pairing with <bdi>{escape(partner)}</bdi> working for you?" in page


def test_the_email_link_signs_in_once_and_lands_on_the_form(world, client, sent):
    with sent():
        services.check_in_open(pair=world.pair, participant=world.mentee, period=1,
                               due_on=timezone.localdate())
    notification = Notification.objects.get(kind="check_in_due")
    link = personal_action_url(notification)
    path = re.sub(r"^https?://[^/]+", "", link)

    opened = client.get(path)
    signed_in = client.post(path)
    form = client.get(signed_in.url)
    client.logout()
    reused = client.post(path)

    assert path.startswith("/l/")
    assert opened.status_code == 200  # a GET signs nobody in (mail scanners)
    assert signed_in.status_code == 302
    assert signed_in.url == _pair_url("checkins:check_in", world)
    assert form.status_code == 200
    assert 'name="score"' in form.content.decode()
    assert reused.status_code == 410  # single use


# --- HR --------------------------------------------------------------------------------------

def _alert_url(name, alert):
    return reverse(name, kwargs={"org_slug": alert.organization.slug, "alert_pk": alert.pk})


def test_hr_lists_opens_acknowledges_and_resolves_an_alert(world, admin_client):
    alert = HRAlertFactory(pair=world.pair)
    cohort_url = reverse("checkins:hr_alerts", kwargs={
        "org_slug": world.pair.organization.slug, "cohort_pk": world.pair.cohort_id})

    listing = admin_client.get(cohort_url).content.decode()
    page = admin_client.get(_alert_url("checkins:hr_alert", alert)).content.decode()
    acknowledged = admin_client.post(_alert_url("checkins:hr_alert_acknowledge", alert))
    refused = admin_client.post(_alert_url("checkins:hr_alert_resolve", alert), {"note": " "})
    resolved = admin_client.post(_alert_url("checkins:hr_alert_resolve", alert),
                                 {"note": "Spoke with both; they meet again next week."})

    assert world.mentor_user.display_name in listing
    assert "Says it is going badly" in listing
    assert reverse("matching:pair_hr", kwargs={"org_slug": world.pair.organization.slug,
                                               "pair_pk": world.pair.pk}) in page
    assert reverse("matching:pair_hr_repair", kwargs={
        "org_slug": world.pair.organization.slug, "pair_pk": world.pair.pk}) not in page
    assert acknowledged.status_code == 302
    assert refused.status_code == 400
    assert "Say what was done" in refused.content.decode()
    assert resolved.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolution_note.startswith("Spoke with both")
    assert alert.acknowledged_at is not None
    assert alert.resolved_by is not None


def test_a_rematch_case_puts_the_repair_action_one_click_away(world, admin_client):
    fit = FitCheckFactory(pair=world.pair, participant=world.mentor, answer="no")
    case = HRAlertFactory(pair=world.pair, participant=world.mentor, kind=AlertKind.REMATCH,
                          reasons=["not_working"], fit_check=fit)

    page = admin_client.get(_alert_url("checkins:hr_alert", case)).content.decode()

    assert reverse("matching:pair_hr_repair", kwargs={
        "org_slug": world.pair.organization.slug, "pair_pk": world.pair.pk}) in page
    assert "Re-match case" in page


def test_acknowledging_twice_is_refused_and_changes_nothing(world, admin_client):
    alert = HRAlertFactory(pair=world.pair)
    admin_client.post(_alert_url("checkins:hr_alert_acknowledge", alert))
    alert.refresh_from_db()
    first = alert.acknowledged_at

    again = admin_client.post(_alert_url("checkins:hr_alert_acknowledge", alert))

    assert again.status_code == 400
    alert.refresh_from_db()
    assert alert.acknowledged_at == first


def test_the_alert_list_is_paginated_and_filtered(world, admin_client):
    for _ in range(51):
        HRAlertFactory(pair=world.pair)
    HRAlertFactory(pair=world.pair, status=AlertStatus.RESOLVED)
    url = reverse("checkins:hr_alerts", kwargs={"org_slug": world.pair.organization.slug,
                                                "cohort_pk": world.pair.cohort_id})

    first = admin_client.get(url)
    second = admin_client.get(url + "?page=2")
    resolved = admin_client.get(url + "?status=resolved")

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 2
    assert [a.status for a in second.context["page"].object_list][-1] == "resolved"
    assert [a.status for a in resolved.context["page"]] == ["resolved"]


def test_the_cadence_is_set_by_hr_with_a_clear_error(world, admin_client):
    url = reverse("checkins:settings", kwargs={"org_slug": world.pair.organization.slug,
                                               "cohort_pk": world.pair.cohort_id})

    bad = admin_client.post(url, {"cadence_days": "3", "inactivity_days": "60"})
    bad_inactivity = admin_client.post(url, {"cadence_days": "21", "inactivity_days": "5"})
    assert not CheckInSchedule.objects.filter(cohort=world.pair.cohort).exists()
    good = admin_client.post(url, {"cadence_days": "21", "inactivity_days": "45"})

    assert bad.status_code == 400
    assert 'id="id_cadence_days_error"' in bad.content.decode()
    assert bad_inactivity.status_code == 400
    assert 'id="id_inactivity_days_error"' in bad_inactivity.content.decode()
    assert good.status_code == 302
    schedule = CheckInSchedule.objects.get(cohort=world.pair.cohort)
    assert (schedule.cadence_days, schedule.inactivity_days) == (21, 45)
    assert selectors.cadence_of(cohort=world.pair.cohort) == 21
    assert selectors.inactivity_days_of(cohort=world.pair.cohort) == 45


def test_members_and_executives_cannot_open_hr_pages(world, client, executive_user):
    alert = HRAlertFactory(pair=world.pair)
    for user in (world.mentee_user, executive_user):
        client.force_login(user)
        assert client.get(_alert_url("checkins:hr_alert", alert)).status_code == 403
        assert client.post(_alert_url("checkins:hr_alert_acknowledge", alert)).status_code == 403
    alert.refresh_from_db()
    assert alert.status == AlertStatus.OPEN


# --- the API ---------------------------------------------------------------------------------

def test_the_api_answers_a_check_in_and_refuses_bad_input_by_field(world, client):
    CheckInFactory(pair=world.pair, participant=world.mentee)
    client.force_login(world.mentee_user)
    url = _pair_url("api_pair_check_in", world)

    bad = client.post(url, {**CALM, "score": 9, "agenda_set_by": "boss"},
                      content_type="application/json")
    missing = client.post(url, {"score": 3}, content_type="application/json")
    good = client.post(url, {**CALM, "wants_hr_contact": True},
                       content_type="application/json")
    again = client.post(url, CALM, content_type="application/json")

    assert bad.status_code == 400
    assert {"score", "agenda_set_by"} <= set(bad.json())
    assert missing.status_code == 400
    assert {"agenda_set_by", "candour", "wants_hr_contact"} <= set(missing.json())
    assert good.status_code == 200
    assert good.json()["status"] == "answered"
    assert again.status_code == 404  # nothing waiting any more
    assert HRAlert.objects.get().reasons == ["wants_contact"]


def test_the_api_lists_only_my_own_check_ins_and_fit_checks(world, client):
    CheckInFactory(pair=world.pair, participant=world.mentee)
    CheckInFactory(pair=world.pair, participant=world.mentor)
    FitCheckFactory(pair=world.pair, participant=world.mentor)
    client.force_login(world.mentee_user)
    slug = world.pair.organization.slug

    check_ins = client.get(reverse("api_my_check_ins", kwargs={"org_slug": slug})).json()
    fits = client.get(reverse("api_my_fit_checks", kwargs={"org_slug": slug})).json()

    assert [c["pair"] for c in check_ins["results"]] == [world.pair.pk]
    assert fits["results"] == []


def test_the_api_for_hr_lists_acknowledges_and_resolves(world, admin_client):
    alert = HRAlertFactory(pair=world.pair)
    slug = world.pair.organization.slug
    listing = admin_client.get(reverse("api_hr_alerts", kwargs={
        "org_slug": slug, "cohort_pk": world.pair.cohort_id}))
    bad_filter = admin_client.get(reverse("api_hr_alerts", kwargs={
        "org_slug": slug, "cohort_pk": world.pair.cohort_id}) + "?status=lost")
    ack = admin_client.post(reverse("api_hr_alert_acknowledge", kwargs={
        "org_slug": slug, "alert_pk": alert.pk}))
    no_note = admin_client.post(reverse("api_hr_alert_resolve", kwargs={
        "org_slug": slug, "alert_pk": alert.pk}), {}, content_type="application/json")
    done = admin_client.post(reverse("api_hr_alert_resolve", kwargs={
        "org_slug": slug, "alert_pk": alert.pk}), {"note": "Called them."},
        content_type="application/json")

    row = listing.json()["results"][0]
    assert (row["id"], row["reasons"], row["shared_text"]) == (alert.pk, ["low_score"], "")
    assert row["mentor_name"] == world.mentor_user.display_name
    assert "score" not in row
    assert "blocker_text" not in row
    assert bad_filter.status_code == 400
    assert "status" in bad_filter.json()
    assert ack.json()["status"] == "acknowledged"
    assert no_note.status_code == 400
    assert "note" in no_note.json()
    assert done.json()["status"] == "resolved"


def test_the_schema_documents_the_endpoints(admin_client):
    schema = admin_client.get(reverse("schema") + "?format=json").json()

    paths = set(schema["paths"])
    assert {"/api/v1/o/{org_slug}/pairs/{pair_pk}/check-in/",
            "/api/v1/o/{org_slug}/pairs/{pair_pk}/fit-check/",
            "/api/v1/o/{org_slug}/check-ins/", "/api/v1/o/{org_slug}/fit-checks/",
            "/api/v1/o/{org_slug}/cohorts/{cohort_pk}/hr-alerts/",
            "/api/v1/o/{org_slug}/hr-alerts/{alert_pk}/resolve/"} <= paths


# --- query counts ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["checkins:hr_alerts", "checkins:hr_alerts_all",
                                  "api_hr_alerts"])
def test_the_alert_list_costs_the_same_for_1_or_20_alerts(world, admin_client,
                                                          django_assert_num_queries, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.sessions.conftest import make_pair

    org = world.pair.organization
    kwargs = {"org_slug": org.slug}
    if name != "checkins:hr_alerts_all":
        kwargs["cohort_pk"] = world.pair.cohort_id
    url = reverse(name, kwargs=kwargs)
    HRAlertFactory(pair=world.pair)
    admin_client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert admin_client.get(url).status_code == 200
    with organization_scope(org):
        for _ in range(19):
            other = make_pair(org, cohort=world.pair.cohort)
            HRAlertFactory(pair=other.pair, participant=other.mentor)

    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_client.get(url)

    assert response.status_code == 200


# --- seed_demo -------------------------------------------------------------------------------

def test_seed_demo_has_due_check_ins_and_an_open_hr_alert(client):
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import Organization

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # again: nothing added
    acme = Organization.objects.get(slug="acme")

    with organization_scope(acme):
        pending = CheckIn.objects.filter(status=CheckInStatus.PENDING)
        assert pending.count() == 6  # both people of the three active pairs
        assert CheckIn.objects.filter(status=CheckInStatus.ANSWERED).count() >= 12
        alert = HRAlert.objects.get()
        assert alert.status == AlertStatus.OPEN
        assert alert.pair.mentee.membership.user.email == "tom@acme.example"
        assert "relationship" in alert.reasons
        maya_pair = pending.get(participant__membership__user__email="maya@acme.example").pair

    client.login(email="maya@acme.example", password="flipside-demo")
    home = client.get("/o/acme/").content.decode()
    assert reverse("checkins:check_in", kwargs={"org_slug": "acme",
                                                "pair_pk": maya_pair.pk}) in home
    client.login(email="hr@acme.example", password="flipside-demo")
    alerts = client.get(reverse("checkins:hr_alerts", kwargs={
        "org_slug": "acme", "cohort_pk": alert.cohort_id})).content.decode()
    assert "Would like HR to reach out" in alerts


# --- the fit-check beat scan -----------------------------------------------------------------

def test_the_fit_check_scan_asks_each_person_once_through_one_task_each(world, sent, settings):
    from sessions.checkins import tasks

    _held(world.pair, days_ago=3)
    entry = settings.CELERY_BEAT_SCHEDULE["scan-fit-checks"]

    with sent() as emails:
        found = tasks.scan_fit_checks()
    with sent() as again:
        tasks.scan_fit_checks()
        assert tasks.ask_fit_check(world.pair.pk, world.mentee.pk)  # a duplicate delivery

    assert entry["task"] == "sessions.checkins.tasks.scan_fit_checks"
    assert found == 2
    assert sorted(e.to[0] for e in emails) == sorted([world.mentor_user.email,
                                                      world.mentee_user.email])
    assert again == []
    assert FitCheck.objects.filter(pair=world.pair).count() == 2
    assert not tasks.ask_fit_check(world.pair.pk, 987654)


def test_hr_finds_every_alert_from_the_navigation(world, admin_client):
    alert = HRAlertFactory(pair=world.pair)
    slug = world.pair.organization.slug

    home = admin_client.get(reverse("org_home", kwargs={"org_slug": slug})).content.decode()
    listing = admin_client.get(reverse("checkins:hr_alerts_all", kwargs={"org_slug": slug}))

    assert reverse("checkins:hr_alerts_all", kwargs={"org_slug": slug}) in home
    assert [a.pk for a in listing.context["page"]] == [alert.pk]
    assert world.pair.cohort.name in listing.content.decode()


def test_the_django_admin_shows_no_check_in_answers(client, world):
    from tests.factories.accounts import UserFactory

    CheckInFactory(pair=world.pair, participant=world.mentee, answered=True)
    client.force_login(UserFactory(email="root@flipside.example", is_staff=True,
                                   is_superuser=True))

    for model in ("checkin", "fitcheck", "hralert", "checkinschedule"):
        assert client.get(f"/django-admin/mentoring_sessions/{model}/").status_code == 404


def test_hr_sees_cohort_figures_only_from_k_answers(world, admin_client):
    from tests.sessions.conftest import make_pair

    org = world.pair.organization
    url = reverse("checkins:hr_alerts", kwargs={"org_slug": org.slug,
                                                "cohort_pk": world.pair.cohort_id})
    pairs = [world] + [make_pair(org, cohort=world.pair.cohort) for _ in range(2)]
    answers = [(p.pair, person) for p in pairs for person in (p.mentor, p.mentee)][:5]
    for index, (pair, person) in enumerate(answers[:4]):
        CheckInFactory(pair=pair, participant=person, answered=True, score=index + 1,
                       candour=3, agenda_set_by="together" if index < 2 else "me")

    before = admin_client.get(url)
    below = before.context["aggregate"]
    CheckInFactory(pair=answers[4][0], participant=answers[4][1], answered=True, score=5,
                   candour=3, agenda_set_by="me")
    at_k = admin_client.get(url)

    assert (below.answered, below.mean_score, below.together_percent) == (4, None, None)
    assert "Fewer than 5 answers: no figures yet." in before.content.decode()
    figures = at_k.context["aggregate"]
    assert (figures.answered, figures.mean_score, figures.mean_candour,
            figures.together_percent) == (5, 3.0, 3.0, 40)
    assert "40%" in at_k.content.decode()


@pytest.mark.parametrize("name", ["api_my_check_ins", "checkins:mine"])
def test_my_check_ins_cost_the_same_for_1_or_20(world, client, django_assert_num_queries,
                                                 name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.sessions.conftest import make_pair

    org = world.pair.organization
    url = reverse(name, kwargs={"org_slug": org.slug})
    CheckInFactory(pair=world.pair, participant=world.mentor)
    client.force_login(world.mentor_user)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    membership = world.mentor.membership
    for _ in range(19):
        other = make_pair(org, mentor_membership=membership)
        CheckInFactory(pair=other.pair, participant=other.mentor)
        FitCheckFactory(pair=other.pair, participant=other.mentor)

    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)

    assert response.status_code == 200


def test_the_api_reads_and_sets_the_cadence_with_a_clear_error(world, admin_client, client):
    url = reverse("api_check_in_schedule", kwargs={"org_slug": world.pair.organization.slug,
                                                   "cohort_pk": world.pair.cohort_id})

    default = admin_client.get(url).json()
    bad = admin_client.put(url, {"cadence_days": 100}, content_type="application/json")
    bad_inactivity = admin_client.put(url, {"cadence_days": 14, "inactivity_days": 400},
                                      content_type="application/json")
    good = admin_client.put(url, {"cadence_days": 14}, content_type="application/json")
    inactivity = admin_client.put(url, {"cadence_days": 14, "inactivity_days": 30},
                                  content_type="application/json")
    client.force_login(world.mentee_user)
    refused = client.put(url, {"cadence_days": 7}, content_type="application/json")

    assert default == {"cadence_days": 28, "inactivity_days": DEFAULT_INACTIVITY_DAYS}
    assert bad.status_code == 400
    assert "cadence_days" in bad.json()
    assert bad_inactivity.status_code == 400
    assert list(bad_inactivity.json()) == ["inactivity_days"]
    assert good.json() == {"cadence_days": 14, "inactivity_days": DEFAULT_INACTIVITY_DAYS}
    assert inactivity.json() == {"cadence_days": 14, "inactivity_days": 30}
    assert refused.status_code == 403
    assert selectors.cadence_of(cohort=world.pair.cohort) == 14
