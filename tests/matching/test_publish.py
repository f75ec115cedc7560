"""Publishing a run: pairs, an active cohort, one introduction email per person (however
often it is published), the lifecycle rule that needs published pairs, and "My pairs"."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.login_links import login_link_read
from core.models import Notification
from core.tenancy import organization_scope
from matching.models import DecisionKind, Pair, PairStatus, Proposal
from matching.services import decisions as decision_services
from matching.services import publishing as publishing_services
from programs import lifecycle
from programs.models import Cohort, CohortStatus
from programs.services import cohort_transition
from tests.factories.matching import MatchingRunFactory, matching_ready_cohort

pytestmark = pytest.mark.django_db


@pytest.fixture
def publish(admin_user, django_capture_on_commit_callbacks):
    """Publish a run as the HR admin, sending the emails queued after commit."""

    def run_publish(run):
        with django_capture_on_commit_callbacks(execute=True):
            return publishing_services.run_publish(run=run, actor=admin_user)

    return run_publish


def _everyone(matching_cohort) -> list[str]:
    return sorted(p.membership.user.email for p in [*matching_cohort.mentors,
                                                    *matching_cohort.mentees])


def test_publishing_creates_pairs_activates_the_cohort_and_introduces_everyone_once(
        matching_cohort, start_run, publish, mailoutbox, admin_user):
    run = start_run(matching_cohort.cohort)
    proposals = {(p.mentor_id, p.mentee_id): p for p in Proposal.objects.filter(run=run)}

    # when the admin publishes the run
    pairs = publish(run)

    # then each proposal became an active pair of the cohort …
    assert len(pairs) == 6
    stored = Pair.objects.filter(cohort=matching_cohort.cohort)
    assert {(p.mentor_id, p.mentee_id) for p in stored} == set(proposals)
    for pair in stored:
        proposal = proposals[(pair.mentor_id, pair.mentee_id)]
        assert (pair.status, pair.run_id, pair.score, pair.explanation, pair.created_by) == (
            PairStatus.ACTIVE, run.pk, proposal.score, proposal.explanation, admin_user)
    # … the cohort is active and the run is marked published …
    assert Cohort.objects.get(pk=matching_cohort.cohort.pk).status == CohortStatus.ACTIVE
    run.refresh_from_db()
    assert run.published_at is not None
    # … and both people of every pair got exactly one introduction, naming their partner
    assert sorted(m.to[0] for m in mailoutbox) == _everyone(matching_cohort)
    leader = next(m for m in mailoutbox if m.to == ["leader5@acme.example"])
    assert leader.subject == "Meet your Digital skills for leaders partner: Mentor 1"
    assert "You are paired with Mentor 1, Graduate Analyst (Technology), as your mentor " \
           "(junior) in Digital skills for leaders." in leader.body
    # the button signs them in on My pairs (a personal link, accounts/login_links.py)
    token = re.search(r"/l/([^/\s]+)/", leader.body).group(1)
    assert login_link_read(token).target == "/o/acme/matching/mine/"


def test_publishing_twice_creates_no_more_pairs_and_sends_no_more_email(matching_cohort, start_run,
                                                                        publish, mailoutbox):
    run = start_run(matching_cohort.cohort)
    first = publish(run)

    second = publish(run)

    assert sorted(p.pk for p in second) == sorted(p.pk for p in first)
    assert Pair.objects.filter(cohort=matching_cohort.cohort).count() == 6
    assert len(mailoutbox) == 12
    assert sorted(m.to[0] for m in mailoutbox) == _everyone(matching_cohort)
    assert Notification.objects.filter(kind="pair_introduction").count() == 12


def test_a_pair_rejected_after_the_run_is_not_published(matching_cohort, start_run, publish,
                                                        admin_user,
                                                        mailoutbox):
    run = start_run(matching_cohort.cohort)
    rejected = Proposal.objects.filter(run=run).order_by("pk").first()
    decision_services.decision_set(cohort=matching_cohort.cohort, mentor=rejected.mentor,
                                   mentee=rejected.mentee, kind=DecisionKind.REJECT,
                                   actor=admin_user)

    pairs = publish(run)

    assert len(pairs) == 5
    assert not Pair.objects.filter(mentee=rejected.mentee).exists()
    assert len(mailoutbox) == 10


def test_only_a_finished_run_can_be_published(matching_cohort, publish):
    run = MatchingRunFactory(cohort=matching_cohort.cohort)

    with pytest.raises(ValidationError) as raised:
        publish(run)

    assert raised.value.messages == ["Only a finished run can be published."]
    assert Pair.objects.count() == 0
    assert Cohort.objects.get(pk=matching_cohort.cohort.pk).status == CohortStatus.MATCHING


def test_an_older_run_cannot_be_published_once_the_cohort_is_active(matching_cohort, start_run,
                                                                    publish):
    older = start_run(matching_cohort.cohort)
    newer = start_run(matching_cohort.cohort)
    publish(newer)

    with pytest.raises(ValidationError) as raised:
        publish(older)

    assert raised.value.messages == [
        "Matching runs need the cohort in the matching phase; it is active."]
    assert Pair.objects.filter(run=older).count() == 0


def test_the_cohort_cannot_go_active_without_published_pairs(matching_cohort, admin_user):
    assert publishing_services._has_published_pairs in lifecycle._activation_checks

    with pytest.raises(ValidationError) as raised:
        cohort_transition(cohort=matching_cohort.cohort, to_status=CohortStatus.ACTIVE,
                          actor=admin_user)

    assert raised.value.messages == ["Publish pairs before activating the cohort."]
    assert Cohort.objects.get(pk=matching_cohort.cohort.pk).status == CohortStatus.MATCHING


def test_publish_from_the_review_page(matching_cohort, start_run, admin_client, mailoutbox,
                                      django_capture_on_commit_callbacks):
    run = start_run(matching_cohort.cohort)
    url = reverse("matching:run_publish", kwargs={"org_slug": "acme", "run_pk": run.pk})

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, {"confirm": "on"}, follow=True)

    assert response.redirect_chain == [(reverse("matching:cohort_runs", kwargs={
        "org_slug": "acme", "cohort_pk": matching_cohort.cohort.pk}), 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "Published 6 pairs; the cohort is active and introduction emails are on their way to "
        "the people paired."]
    assert len(mailoutbox) == 12


def test_publish_through_the_api_twice(matching_cohort, start_run, api_client, admin_user,
                                       mailoutbox,
                                       django_capture_on_commit_callbacks):
    run = start_run(matching_cohort.cohort)
    api_client.force_login(admin_user)
    url = f"/api/v1/o/acme/matching/runs/{run.pk}/publish/"

    with django_capture_on_commit_callbacks(execute=True):
        first = api_client.post(url)
        second = api_client.post(url)

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["pairs"] == second.json()["pairs"] == 6
    assert first.json()["run"]["published_at"] is not None
    assert Pair.objects.count() == 6
    assert len(mailoutbox) == 12


# --- my pairs ------------------------------------------------------------------------------------

def test_participants_see_only_their_own_pair_on_my_pairs(matching_cohort, start_run, publish,
                                                          client):
    run = start_run(matching_cohort.cohort)
    publish(run)
    pair = Pair.objects.select_related("mentor__membership__user", "mentee__membership__user") \
        .get(mentee=matching_cohort.mentees[4])
    url = reverse("matching:my_pairs", kwargs={"org_slug": "acme"})

    for me, partner, role in ((pair.mentee, pair.mentor, "your mentor"),
                              (pair.mentor, pair.mentee, "your mentee")):
        client.force_login(me.membership.user)
        response = client.get(url)
        page = response.content.decode()

        assert [card.partner.pk for card in response.context["cards"]] == [partner.pk]
        assert f"<bdi>{partner.membership.user.full_name}</bdi> <span class=\"badge " \
               f"text-bg-secondary\">{role}</span>" in page
        others = {p.membership.user.full_name for p in [*matching_cohort.mentors,
                                                        *matching_cohort.mentees]} - {
            me.membership.user.full_name, partner.membership.user.full_name}
        assert not [name for name in others if f">{name}</bdi> <span" in page]


def test_my_pairs_page_for_someone_without_a_pair(matching_cohort, client):
    client.force_login(matching_cohort.mentors[0].membership.user)

    response = client.get(reverse("matching:my_pairs", kwargs={"org_slug": "acme"}))

    assert response.context["cards"] == []
    assert "You have no mentoring partner yet." in response.content.decode()


def test_executives_cannot_open_my_pairs(client, executive_user):
    client.force_login(executive_user)

    response = client.get(reverse("matching:my_pairs", kwargs={"org_slug": "acme"}))

    assert response.status_code == 403


def test_a_run_that_misses_a_pair_locked_after_it_is_refused(matching_cohort, start_run, publish,
                                                             admin_user, mailoutbox):
    run = start_run(matching_cohort.cohort)
    proposal = Proposal.objects.filter(run=run).first()
    other_mentor = next(m for m in matching_cohort.mentors if m.pk != proposal.mentor_id)
    # given a lock, made after the run, on a pair the run did not propose
    decision_services.decision_set(cohort=matching_cohort.cohort, mentor=other_mentor,
                                   mentee=proposal.mentee,
                                   kind=DecisionKind.LOCK, actor=admin_user,
                                   override_reason="Asked for each other")

    # when the admin publishes that older run, then it is refused and nothing changes
    with pytest.raises(ValidationError, match=r"1 locked pair\(s\) are not in this run"):
        publish(run)
    assert Pair.objects.filter(cohort=matching_cohort.cohort).count() == 0
    assert Cohort.objects.get(pk=matching_cohort.cohort.pk).status == CohortStatus.MATCHING
    assert mailoutbox == []


def test_decisions_need_the_matching_phase(matching_cohort, admin_user):
    matching_cohort.cohort.status = CohortStatus.ENROLLING
    matching_cohort.cohort.save(update_fields=["status"])

    with pytest.raises(ValidationError, match="matching phase; it is enrolling"):
        decision_services.decision_set(cohort=matching_cohort.cohort,
                                       mentor=matching_cohort.mentors[0],
                                       mentee=matching_cohort.mentees[0], kind=DecisionKind.REJECT,
                                       actor=admin_user)


def test_a_manual_pair_is_created_directly_only_in_an_active_cohort(matching_cohort, admin_user):
    with pytest.raises(ValidationError, match="lock the pair instead"):
        publishing_services.pair_create_manual(cohort=matching_cohort.cohort,
                                               mentor=matching_cohort.mentors[0],
                                               mentee=matching_cohort.mentees[0], actor=admin_user)
    assert Pair.objects.filter(cohort=matching_cohort.cohort).count() == 0


def test_publishing_uses_the_same_number_of_queries_for_2_and_6_pairs(
        matching_cohort, other_organization, start_run, admin_user,
        django_capture_on_commit_callbacks):
    """Counted up to the commit; the emails are then sent one task each, by design."""
    counts = []
    for organization, cohort in (
            (other_organization, None), (matching_cohort.cohort.organization,
                                         matching_cohort.cohort)):
        with organization_scope(organization):
            cohort = cohort or matching_ready_cohort(organization, mentors=2, mentees=2).cohort
            run = start_run(cohort)
            with django_capture_on_commit_callbacks(execute=False), \
                    CaptureQueriesContext(connection) as queries:
                pairs = publishing_services.run_publish(run=run, actor=admin_user)
            counts.append((len(pairs), len(queries.captured_queries)))

    assert [n for n, _ in counts] == [2, 6]
    assert counts[0][1] == counts[1][1], counts
