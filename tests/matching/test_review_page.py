"""The admin's review of a run at scale: 50 proposals a page, filters and sort in the URL,
summary cards counted in SQL, a constant number of queries, and a manual-pair form whose
search-as-you-type pickers never list the whole cohort and keep the choices after a refusal."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.names import name_key
from matching.models import DecisionKind, PairDecision
from programs.models import CohortStatus, Participant, ParticipantRole
from tests.factories.matching import (
    MatchingRunFactory,
    PairDecisionFactory,
    ProposalFactory,
    matching_participant,
    matching_ready_cohort,
)
from tests.factories.programs import ParticipantFactory

pytestmark = pytest.mark.django_db


def review_url(run, **query) -> str:
    url = reverse("matching:run_detail", kwargs={"org_slug": "acme", "run_pk": run.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def proposal_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-proposal="(\d+)"', page)]


@pytest.fixture
def big_run(scoped_organization):
    """A finished run with 55 proposals, scores 0.01 … 0.55 (proposal k has score k/100)."""
    run = MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True,
                             matched_count=55, mentee_count=55, mentor_count=55)
    proposals = [ProposalFactory(run=run, score=(k + 1) / 100) for k in range(55)]
    # complete profiles: the readiness panel lists nobody
    Participant.objects.filter(cohort=run.cohort).update(completeness=100)
    return run, proposals


# --- pages, filters, sort ----------------------------------------------------------------------

def test_the_review_shows_50_pairs_a_page_best_first(big_run, admin_client):
    run, proposals = big_run
    best_first = [p.pk for p in sorted(proposals, key=lambda p: -p.score)]

    first = admin_client.get(review_url(run)).content.decode()
    second = admin_client.get(review_url(run, page=2)).content.decode()

    assert proposal_ids(first) == best_first[:50]
    assert proposal_ids(second) == best_first[50:]
    assert "Pairs 1–50 of 55" in first
    assert "Pairs 51–55 of 55" in second
    assert 'rel="next" href="?page=2"' in first
    assert 'rel="prev" href="?page=1"' in second


def test_a_review_page_reads_its_keys_with_the_total_then_only_its_rows(big_run,
                                                                        admin_client):
    run, proposals = big_run
    best_first = [p.pk for p in sorted(proposals, key=lambda p: -p.score)]
    admin_client.get(review_url(run))  # warm-up

    with CaptureQueriesContext(connection) as queries:
        second = admin_client.get(review_url(run, page=2))

    reads = [q["sql"] for q in queries.captured_queries if 'FROM "matching_proposal"' in q["sql"]
             and "COUNT(DISTINCT" not in q["sql"]]  # the summary cards' aggregate
    # the keys with a window count (no COUNT query of its own), then the page's rows by key
    assert len(reads) == 2, reads
    assert "OVER ()" in reads[0]
    assert '"matching_proposal"."id" IN (' in reads[1]
    assert [p.pk for p in second.context["proposals"]] == best_first[50:]
    assert "Pairs 51–55 of 55" in second.content.decode()
    # like Paginator.get_page: past the end is the last page, not a number is the first
    assert [p.pk for p in admin_client.get(review_url(run, page=9)).context["proposals"]] == \
        best_first[50:]
    assert [p.pk for p in admin_client.get(review_url(run, page="x")).context["proposals"]] \
        == best_first[:50]


def test_filters_and_sort_live_in_the_url_and_survive_paging(scoped_organization, admin_client):
    run = MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True)
    zoe = ProposalFactory(run=run, score=0.3, mentor__membership__user__full_name="ZOË Brandt")
    lukasz = ProposalFactory(run=run, score=0.9,
                             mentee__membership__user__full_name="Łukasz Nowak")
    others = [ProposalFactory(run=run, score=0.5 + k / 100) for k in range(3)]
    PairDecisionFactory(cohort=run.cohort, mentor=lukasz.mentor, mentee=lukasz.mentee,
                        kind=DecisionKind.REJECT)
    PairDecisionFactory(cohort=run.cohort, mentor=others[0].mentor, mentee=others[0].mentee,
                        kind=DecisionKind.LOCK)

    def shown(**query) -> list[int]:
        response = admin_client.get(review_url(run, **query))
        assert response.status_code == 200
        return proposal_ids(response.content.decode())

    # any case, with or without accents, mentor or mentee
    assert shown(q="zoe") == [zoe.pk]
    assert shown(q="LUKASZ") == [lukasz.pk]
    assert shown(decision="rejected") == [lukasz.pk]
    assert shown(decision="locked") == [others[0].pk]
    assert shown(decision="open") == [others[2].pk, others[1].pk, zoe.pk]
    assert shown(sort="score") == [zoe.pk, *(p.pk for p in others), lukasz.pk]
    # names sort by their folded key: Ł as L, on SQLite and PostgreSQL alike
    everyone = [zoe, lukasz, *others]
    by_mentee = sorted(everyone, key=lambda p: (name_key(p.mentee.membership.user.full_name),
                                                p.pk))
    assert shown(sort="mentee") == [p.pk for p in by_mentee]
    assert shown(sort="-mentor")[-1] == min(
        everyone, key=lambda p: (name_key(p.mentor.membership.user.full_name), -p.pk)).pk
    # the filters are kept in the page links and in the decision forms' return address
    page = admin_client.get(review_url(run, decision="open", sort="score")).content.decode()
    assert 'name="next" value="/o/acme/matching/runs/' in page
    assert "decision=open&amp;sort=score" in page or "decision=open&sort=score" in page


def test_a_filter_with_an_impossible_value_says_so_and_shows_the_default_order(
        big_run, admin_client):
    run, proposals = big_run

    response = admin_client.get(review_url(run, sort="salary"))

    assert response.status_code == 400
    page = response.content.decode()
    assert "Select a valid choice. salary is not one of the available choices." in page
    assert proposal_ids(page)[0] == max(proposals, key=lambda p: p.score).pk


def test_htmx_gets_only_the_results_for_a_new_page(big_run, admin_client):
    run, _ = big_run

    response = admin_client.get(review_url(run, page=2), HTTP_HX_REQUEST="true",
                                HTTP_HX_TARGET="review-results")

    page = response.content.decode()
    assert page.lstrip().startswith('<div id="review-results"')
    assert len(proposal_ids(page)) == 5
    assert "<html" not in page
    assert "Manual pair" not in page


def test_summary_cards_count_mentors_locks_and_rejections_in_sql(scoped_organization, admin_client):
    run = MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True,
                             matched_count=3, mentee_count=4, mentor_count=5)
    first = ProposalFactory(run=run, locked=True)
    second = ProposalFactory(run=run, mentor=first.mentor)
    third = ProposalFactory(run=run)
    PairDecisionFactory(cohort=run.cohort, mentor=second.mentor, mentee=second.mentee,
                        kind=DecisionKind.REJECT)
    PairDecisionFactory(cohort=run.cohort, mentor=third.mentor, mentee=third.mentee,
                        kind=DecisionKind.LOCK)

    page = admin_client.get(review_url(run)).content.decode()

    assert '<div class="display-6" id="matched-count">3/4</div>' in page
    assert '<div class="display-6" id="mentors-used">2/5</div>' in page
    assert "2 locked · 1 rejected" in page


def test_review_queries_do_not_grow_with_the_run_and_never_load_its_snapshot(
        scoped_organization, admin_client, django_assert_num_queries):
    run = MatchingRunFactory(cohort__program__organization=scoped_organization, succeeded=True,
                             snapshot={"mentors": ["x" * 1000] * 50})
    ProposalFactory(run=run)
    run.spare_capacity = {str(ParticipantFactory(cohort=run.cohort).pk): 1}
    run.unmatched = [{"participant_id": 1, "name": "Leader", "reason": "no mentor"}]
    run.save()
    admin_client.get(review_url(run))  # warm caches (content types, session)
    with CaptureQueriesContext(connection) as one:
        assert len(admin_client.get(review_url(run)).context["proposals"]) == 1
    assert not [q["sql"] for q in one.captured_queries if '"snapshot"' in q["sql"]]

    for k in range(59):
        proposal = ProposalFactory(run=run)
        if k % 3 == 0:
            PairDecisionFactory(cohort=run.cohort, mentor=proposal.mentor,
                                mentee=proposal.mentee, kind=DecisionKind.REJECT)
    run.spare_capacity = {str(p.pk): 1 for p in ParticipantFactory.create_batch(
        25, cohort=run.cohort, role=ParticipantRole.MENTOR)}
    run.unmatched = [{"participant_id": 1, "name": f"Leader {k}", "reason": "no mentor"}
                     for k in range(30)]
    run.save()
    with django_assert_num_queries(len(one.captured_queries)):
        response = admin_client.get(review_url(run))

    assert len(response.context["proposals"]) == 50
    page = response.content.decode()
    assert "… and 10 more." in page  # unmatched: the first 20 of 30
    assert "… and 5 more." in page  # spare mentors: the first 20 of 25


def test_the_review_page_stays_small_however_big_the_cohort(big_run, admin_client):
    """The manual-pair form lists nobody until HR searches: the page never grows with the
    cohort (it used to list every mentor and mentee twice)."""
    run, proposals = big_run
    far_down = min(proposals, key=lambda p: p.score)  # on page 2

    page = admin_client.get(review_url(run)).content.decode()

    assert far_down.mentor.membership.user.full_name not in page
    assert 'type="radio" name="mentor"' not in page
    assert "<select" not in page.split('id="manual-pair-form"')[1].split("</form>")[0]


# --- the manual-pair pickers -------------------------------------------------------------------

def people_url(cohort) -> str:
    return reverse("matching:manual_pair_people", kwargs={"org_slug": "acme",
                                                          "cohort_pk": cohort.pk})


def test_the_picker_offers_at_most_20_matches_with_title_and_department(scoped_organization,
                                                                        admin_client):
    matching_cohort = matching_ready_cohort(scoped_organization, mentors=0, mentees=0)
    cohort = matching_cohort.cohort
    for k in range(25):
        matching_participant(cohort, role=ParticipantRole.MENTOR, name=f"Alex Kim {k:02d}",
                             level=1, department=f"Dept {k}")
    matching_participant(cohort, role=ParticipantRole.MENTEE, name="Alex Leader", level=5,
                         department="Finance")

    response = admin_client.get(people_url(cohort), {"role": "mentor", "mentor_q": "alex"},
                                HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('type="radio" name="mentor"') == 20
    assert "Alex Leader" not in page  # a mentee is not offered as a mentor
    assert "<bdi>Alex Kim 00</bdi>" in page
    assert "· <bdi>Graduate Analyst · Dept 0 · " in page
    assert "Showing the first 20 matches: type more of the name to narrow them." in page


def test_namesakes_are_told_apart_by_title_and_department(scoped_organization, admin_client):
    cohort = matching_ready_cohort(scoped_organization, mentors=0, mentees=0).cohort
    data = matching_participant(cohort, role=ParticipantRole.MENTOR, name="Sam Lee", level=1,
                                department="Data")
    sales = matching_participant(cohort, role=ParticipantRole.MENTOR, name="Sam Lee", level=1,
                                 department="Sales", job_title="Sales Associate")

    page = admin_client.get(people_url(cohort), {"role": "mentor", "mentor_q": "sam lee"},
                            HTTP_HX_REQUEST="true").content.decode()

    assert f'value="{data.pk}"' in page
    assert f'value="{sales.pk}"' in page
    assert "Graduate Analyst · Data" in page
    assert "Sales Associate · Sales" in page


def test_the_chosen_person_stays_first_when_the_search_changes(scoped_organization, admin_client):
    cohort = matching_ready_cohort(scoped_organization, mentors=0, mentees=0).cohort
    chosen = matching_participant(cohort, role=ParticipantRole.MENTEE, name="Nadia Haddad",
                                  level=5, department="Finance")
    other = matching_participant(cohort, role=ParticipantRole.MENTEE, name="Omar Farouk",
                                 level=5, department="Legal")

    page = admin_client.get(people_url(cohort), {"role": "mentee", "mentee_q": "omar",
                                                 "mentee": chosen.pk},
                            HTTP_HX_REQUEST="true").content.decode()

    assert page.index(f'value="{chosen.pk}" checked') < page.index(f'value="{other.pk}"')


def test_the_picker_needs_a_role_and_finds_nobody_of_another_cohort(scoped_organization,
                                                                    admin_client):
    cohort = matching_ready_cohort(scoped_organization, mentors=1, mentees=1).cohort
    elsewhere = ParticipantFactory(cohort__program__organization=scoped_organization,
                                   role=ParticipantRole.MENTOR,
                                   membership__user__full_name="Mentor Elsewhere")

    bad = admin_client.get(people_url(cohort), {"role": "boss", "q": "x"},
                           HTTP_HX_REQUEST="true")
    page = admin_client.get(people_url(cohort), {"role": "mentor", "mentor_q": "Mentor",
                                                 "mentor": elsewhere.pk},
                            HTTP_HX_REQUEST="true").content.decode()

    assert bad.status_code == 400
    assert "Say whether to find a mentor or a mentee" in bad.content.decode()
    assert f'value="{elsewhere.pk}"' not in page
    assert page.count('type="radio" name="mentor"') == 1


def test_a_refused_manual_pair_keeps_both_choices_and_says_why(matching_cohort, admin_client,
                                                               db_snapshot):
    mentor, mentee = matching_cohort.mentors[0], matching_cohort.mentees[0]
    mentor.profile.department = "Finance"  # same department as the leaders: breaks a rule
    mentor.profile.save()
    url = reverse("matching:manual_pair", kwargs={"org_slug": "acme",
                                                  "cohort_pk": matching_cohort.cohort.pk})
    before = db_snapshot()

    response = admin_client.post(url, {"mentor": mentor.pk, "mentee": mentee.pk,
                                       "mentor_q": "Mentor 1", "mentee_q": "Leader",
                                       "override_reason": "",
                                       "next": "/o/acme/matching/cohorts/"
                                               f"{matching_cohort.cohort.pk}/"})

    assert response.status_code == 400
    page = response.content.decode()
    assert f'value="{mentor.pk}" checked' in page
    assert f'value="{mentee.pk}" checked' in page
    assert 'value="Mentor 1"' in page
    assert 'value="Leader"' in page
    assert "Give an override reason to lock it anyway." in page
    assert "Your choices are kept." in page
    assert db_snapshot() == before
    assert PairDecision.objects.count() == 0


def test_a_manual_pair_with_someone_not_in_the_cohort_says_so_and_keeps_the_other(
        matching_cohort, admin_client):
    stranger = ParticipantFactory(cohort__program__organization=matching_cohort.cohort.organization,
                                  role=ParticipantRole.MENTOR)
    url = reverse("matching:manual_pair", kwargs={"org_slug": "acme",
                                                  "cohort_pk": matching_cohort.cohort.pk})

    response = admin_client.post(url, {"mentor": stranger.pk,
                                       "mentee": matching_cohort.mentees[1].pk})

    assert response.status_code == 400
    page = response.content.decode()
    assert "That mentor is not an enrolled mentor of this cohort: search again and pick " \
           "one." in page
    assert f'value="{matching_cohort.mentees[1].pk}" checked' in page
    assert PairDecision.objects.count() == 0


def test_a_manual_pair_that_meets_the_rules_is_locked_and_returns_to_the_page(
        matching_cohort, admin_client):
    url = reverse("matching:manual_pair", kwargs={"org_slug": "acme",
                                                  "cohort_pk": matching_cohort.cohort.pk})
    back = f"/o/acme/matching/cohorts/{matching_cohort.cohort.pk}/"

    response = admin_client.post(url, {"mentor": matching_cohort.mentors[2].pk,
                                       "mentee": matching_cohort.mentees[3].pk, "next": back})

    assert response.status_code == 302
    assert response["Location"] == back
    assert PairDecision.objects.filter(kind=DecisionKind.LOCK, mentor=matching_cohort.mentors[2],
                                       mentee=matching_cohort.mentees[3]).exists()


def test_searching_without_javascript_shows_the_matches_on_the_manual_pair_page(
        matching_cohort, admin_client):
    url = reverse("matching:manual_pair", kwargs={"org_slug": "acme",
                                                  "cohort_pk": matching_cohort.cohort.pk})

    response = admin_client.get(url, {"mentor_q": "Mentor 3", "mentee_q": ""})

    assert response.status_code == 200
    page = response.content.decode()
    assert f'value="{matching_cohort.mentors[2].pk}"' in page
    assert page.count('type="radio" name="mentor"') == 1
    assert "Choose a mentor" not in page  # searching is not a failed submission


def test_the_cohort_page_of_an_active_cohort_lists_at_most_50_pairs(scoped_organization,
                                                                    admin_client):
    from tests.factories.matching import PairFactory

    run = MatchingRunFactory(cohort__program__organization=scoped_organization,
                             cohort__status=CohortStatus.ACTIVE, succeeded=True)
    PairFactory.create_batch(52, cohort=run.cohort)

    page = admin_client.get(reverse("matching:cohort_runs", kwargs={
        "org_slug": "acme", "cohort_pk": run.cohort_id})).content.decode()

    assert "Active pairs (52)" in page
    assert "The 50 best-scoring pairs of 52." in page


def test_the_picker_opened_directly_is_the_manual_pair_page(matching_cohort, admin_client):
    response = admin_client.get(people_url(matching_cohort.cohort), {"role": "mentor",
                                                           "mentor_q": "Mentor 2"}, follow=True)

    assert response.redirect_chain[0][1] == 302
    page = response.content.decode()
    assert "<h1 class=\"h3\">Manual pair · Spring pilot</h1>" in page
    assert f'value="{matching_cohort.mentors[1].pk}"' in page


def test_compiled_review_pages_are_the_orm_s_pages_for_every_filter_and_sort(big_run):
    """matching.selectors.review_page reads the keys through a query compiled once per
    decision filter and sort: each page (and its count) is the ORM's page of the same list,
    past the end too."""
    from core.pagination import page_of_keys
    from matching import selectors

    run, proposals = big_run
    PairDecisionFactory(cohort=run.cohort, mentor=proposals[3].mentor,
                        mentee=proposals[3].mentee, kind=DecisionKind.REJECT)
    PairDecisionFactory(cohort=run.cohort, mentor=proposals[7].mentor,
                        mentee=proposals[7].mentee, kind=DecisionKind.LOCK)
    sizes = {}
    for decision in ["", *selectors.REVIEW_DECISIONS]:
        for sort in selectors.REVIEW_SORTS:
            for number in (1, 2, "2", 9, "last", None):
                expected = page_of_keys(selectors.review_proposals(
                    run=run, decision=decision, sort=sort), number=number, size=20)
                page = selectors.review_page(run=run, number=number, size=20,
                                             decision=decision, sort=sort)
                assert (list(page.object_list), page.number, page.paginator.count) == (
                    list(expected.object_list), expected.number, expected.paginator.count
                ), (decision, sort, number)
                sizes[decision] = page.paginator.count
    # the filters do narrow the list: every proposal, all but the two decided, one each
    assert sizes == {"": len(proposals), "open": len(proposals) - 2, "locked": 1,
                     "rejected": 1}
