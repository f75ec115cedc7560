"""The executives' way to the survey results: a "Survey results" entry in their navigation and
a list of the surveys sent (never drafts or templates), each linking to its results page,
which applies the k rules; the list itself shows no figure."""

from __future__ import annotations

import pytest
from django.urls import reverse

from feedback.models import QuestionKind
from tests.factories.feedback import QuestionFactory, SurveyFactory
from tests.feedback.conftest import answer, people

pytestmark = pytest.mark.django_db


def _list_url(organization) -> str:
    return reverse("feedback:results_list", kwargs={"org_slug": organization.slug})


def _nav_labels(response) -> list[str]:
    return [item["label"] for item in response.context["nav_items"]]


def test_executives_have_a_survey_results_entry_and_admins_keep_theirs(
        client, organization, executive_user, admin_user, member_user):
    home = reverse("org_home", kwargs={"org_slug": organization.slug})
    labels = {}
    for user in (executive_user, admin_user, member_user):
        client.force_login(user)
        labels[user.email] = _nav_labels(client.get(home))

    assert "Survey results" in labels[executive_user.email]
    assert "Surveys" not in labels[executive_user.email]
    assert "Survey results" not in labels[admin_user.email]  # "Surveys" leads admins there
    assert "Surveys" in labels[admin_user.email]
    assert "Survey results" not in labels[member_user.email]


def test_the_list_shows_sent_surveys_only_and_no_figures(client, executive_user, cohort,
                                                         organization):
    sent = SurveyFactory(cohort=cohort, title="Midpoint sent")
    QuestionFactory(survey=sent, kind=QuestionKind.SCALE, text="Useful?")
    for person in people(cohort, "mentee", "Finance", 2):
        answer(sent, person, q1=5)
    SurveyFactory(cohort=cohort, title="Draft midpoint", draft=True)
    SurveyFactory(cohort=None, organization=organization, title="A template",
                  is_template=True, opens_on=None, closes_on=None)
    client.force_login(executive_user)

    response = client.get(_list_url(organization))

    assert response.status_code == 200
    assert [s.title for s in response.context["surveys"]] == ["Midpoint sent"]
    body = response.content.decode()
    assert reverse("feedback:results", kwargs={"org_slug": organization.slug,
                                               "survey_pk": sent.pk}) in body
    assert "Draft midpoint" not in body
    assert "A template" not in body
    # the executive may follow the link (the results page applies the k rules, tested in
    # tests/feedback/test_results.py)
    results = client.get(reverse("feedback:results", kwargs={
        "org_slug": organization.slug, "survey_pk": sent.pk}))
    assert results.status_code == 200


@pytest.mark.parametrize(("who", "status"), [("member", 403), ("other_tenant", 404),
                                             ("anonymous", 302), ("admin", 200)])
def test_who_may_open_the_list(client, organization, member_user, other_admin_user,
                               admin_user, who, status):
    user = {"member": member_user, "other_tenant": other_admin_user, "admin": admin_user,
            "anonymous": None}[who]
    if user is not None:
        client.force_login(user)

    assert client.get(_list_url(organization)).status_code == status
