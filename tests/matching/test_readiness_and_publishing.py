"""Before a run and before publishing HR sees how many profiles are incomplete and who, and can
send the roster's reminder from there; publishing asks for confirmation with the number of
introduction emails that will go out."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import NotificationChannel, NotificationPreference
from matching.models import DecisionKind, Pair
from programs.models import Cohort, CohortStatus, Participant, ParticipantRole
from tests.factories.matching import PairDecisionFactory, matching_participant

pytestmark = pytest.mark.django_db


def cohort_page(client, cohort) -> str:
    response = client.get(reverse("matching:cohort_runs", kwargs={"org_slug": "acme",
                                                                  "cohort_pk": cohort.pk}))
    assert response.status_code == 200
    return response.content.decode()


def confirm_url(run) -> str:
    return reverse("matching:run_publish_confirm", kwargs={"org_slug": "acme",
                                                           "run_pk": run.pk})


def publish_url(run) -> str:
    return reverse("matching:run_publish", kwargs={"org_slug": "acme", "run_pk": run.pk})


def add_incomplete(cohort, count: int) -> list[Participant]:
    """Leaders who said what they want to learn but nothing they can teach, nor when."""
    return [matching_participant(cohort, role=ParticipantRole.MENTEE, name=f"Vague {k:02d}",
                                 level=5, department="Sales", learns=[("AI tools", 2)],
                                 availability=[]) for k in range(count)]


# --- incomplete profiles ------------------------------------------------------------------------

def test_a_complete_cohort_says_so_before_the_run(matching_cohort, admin_client):
    page = cohort_page(admin_client, matching_cohort.cohort)

    assert "All 12 enrolled profiles are complete." in page


def test_before_a_run_hr_sees_how_many_profiles_are_incomplete_and_who(matching_cohort,
                                                                       admin_client):
    add_incomplete(matching_cohort.cohort, 23)
    empty = matching_participant(matching_cohort.cohort, role=ParticipantRole.MENTEE,
                                 name="Blank Page",
                                 level=5, department="Legal", availability=[],
                                 learning_goals="", job_title="")

    page = cohort_page(admin_client, matching_cohort.cohort)

    assert "24 of 36 profiles are incomplete" in page
    # the least complete first, with what is missing
    first_item = page.split('<ul class="mb-2" id="incomplete-profiles">')[1].split("</li>")[0]
    assert "<bdi>Blank Page</bdi>" in first_item
    assert f"{empty.completeness}%: missing job title, topics you want to learn, topics you " \
           "can teach, learning goals, weekly availability" in first_item
    assert "missing topics you can teach, weekly availability" in page  # the Vague leaders
    assert page.count("<li><bdi>Vague ") == 19  # 20 shown in all
    assert "… and 4 more" in page
    assert "?completeness_below=100&amp;sort=completeness" in page
    assert "Remind 24 people to complete their profile" in page


def test_hr_sends_the_reminder_from_the_matching_page_once_a_week(
        matching_cohort, admin_client, mailoutbox, django_capture_on_commit_callbacks):
    vague = add_incomplete(matching_cohort.cohort, 2)
    url = reverse("matching:remind_incomplete", kwargs={"org_slug": "acme",
                                                        "cohort_pk": matching_cohort.cohort.pk})
    back = f"/o/acme/matching/cohorts/{matching_cohort.cohort.pk}/"

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"next": back}, follow=True)

    assert response.redirect_chain == [(back, 302)]
    assert "Reminders are on their way to 2 people with an incomplete profile (at most one " \
           "each per week)." in response.content.decode()
    assert sorted(m.to[0] for m in mailoutbox) == sorted(
        p.membership.user.email for p in vague)
    # a second press the same week sends nobody a second reminder (the roster's service)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"next": back})
    assert len(mailoutbox) == 2


def test_the_reminder_says_so_when_nobody_needs_it_and_never_leaves_the_site(
        matching_cohort, admin_client, mailoutbox, django_capture_on_commit_callbacks):
    url = reverse("matching:remind_incomplete", kwargs={"org_slug": "acme",
                                                        "cohort_pk": matching_cohort.cohort.pk})

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"next": "https://evil.example/"}, follow=True)

    assert response.redirect_chain == [(f"/o/acme/matching/cohorts/{matching_cohort.cohort.pk}/",
                                        302)]
    assert "Every enrolled participant has a complete profile: nobody to remind." in \
        response.content.decode()
    assert mailoutbox == []


def test_the_review_and_the_confirmation_show_incomplete_profiles_before_publishing(
        matching_cohort, start_run, admin_client):
    add_incomplete(matching_cohort.cohort, 1)
    run = start_run(matching_cohort.cohort)

    review = admin_client.get(reverse("matching:run_detail", kwargs={
        "org_slug": "acme", "run_pk": run.pk})).content.decode()
    confirm = admin_client.get(confirm_url(run)).content.decode()

    for page in (review, confirm):
        assert "1 of 13 profiles is incomplete" in page
        assert "<bdi>Vague 00</bdi>" in page
        assert "Remind 1 person to complete their profile" in page


# --- publishing asks first ----------------------------------------------------------------------

def test_the_review_links_to_a_confirmation_instead_of_publishing(matching_cohort, start_run,
                                                                  admin_client):
    run = start_run(matching_cohort.cohort)

    page = admin_client.get(reverse("matching:run_detail", kwargs={
        "org_slug": "acme", "run_pk": run.pk})).content.decode()

    assert f'href="{confirm_url(run)}">Publish pairs…</a>' in page
    assert f'action="{publish_url(run)}"' not in page


def test_the_confirmation_counts_the_emails_that_will_go_out(
        matching_cohort, start_run, admin_client, mailoutbox, django_capture_on_commit_callbacks):
    run = start_run(matching_cohort.cohort)
    pairs = list(run.proposals.select_related("mentor__membership__user"))
    # one pair rejected since the run, one person who turned introduction emails off
    PairDecisionFactory(cohort=matching_cohort.cohort, mentor=pairs[0].mentor,
                        mentee=pairs[0].mentee,
                        kind=DecisionKind.REJECT)
    NotificationPreference.objects.create(user=pairs[1].mentor.membership.user,
                                          kind="pair_introduction",
                                          channel=NotificationChannel.IN_APP)

    page = admin_client.get(confirm_url(run)).content.decode()

    assert "<strong>9 introduction emails</strong> will go out, to the 10 people of 5 pairs." \
        in page
    assert "1 more introduction appears in Flipside only" in page
    assert "Publish and send 9 emails" in page
    # and that is what publishing sends
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(publish_url(run), {"confirm": "on"})
    assert len(mailoutbox) == 9
    assert Pair.objects.filter(run=run).count() == 5


def test_publishing_without_the_confirmation_sends_nothing_and_says_why(
        matching_cohort, start_run, admin_client, mailoutbox, db_snapshot,
        django_capture_on_commit_callbacks):
    run = start_run(matching_cohort.cohort)
    before = db_snapshot()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(publish_url(run))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Confirm on this page to publish: nothing was sent." in page
    assert "<strong>12 introduction emails</strong> will go out" in page
    assert mailoutbox == []
    assert db_snapshot() == before
    assert Cohort.objects.get(pk=matching_cohort.cohort.pk).status == CohortStatus.MATCHING


def test_the_confirmation_of_a_published_run_offers_nothing_to_send(
        matching_cohort, start_run, admin_client, django_capture_on_commit_callbacks):
    run = start_run(matching_cohort.cohort)
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(publish_url(run), {"confirm": "on"})

    page = admin_client.get(confirm_url(run)).content.decode()

    assert "publishing again sends nothing" in page
    assert "introduction emails</strong> will go out" not in page
    assert f'action="{publish_url(run)}"' not in page
