"""One language table (programs/languages.py) for the CSV import, the profile form, the API
and matching."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Membership
from core.tenancy import organization_scope
from programs import languages
from programs.imports.services import participants_import_csv
from programs.models import Participant
from programs.services import organization_defaults_ensure
from tests.factories.programs import CohortFactory, ParticipantFactory, ProgramFactory
from tests.programs.test_imports import make_csv
from tests.programs.test_participants_profile import profile_data, profile_url


@pytest.mark.parametrize(("typed", "codes", "unknown"), [
    ("Chinese", ["zh"], []),
    ("mandarin; 中文; ZH", ["zh"], []),
    ("Deutsch, français, Español", ["de", "fr", "es"], []),
    ("pt_BR; Brazilian Portuguese; pt-br", ["pt-br"], []),
    ("Simplified Chinese | zh-Hant", ["zh-hans", "zh-hant"], []),
    ("de-AT, Cantonese, Farsi, iw", ["de-at", "yue", "fa", "he"], []),
    ("xx; Klingon; en; de-toolongsubtag", ["en"], ["xx", "Klingon", "de-toolongsubtag"]),
    ("", [], []),
])
def test_parse_languages(typed, codes, unknown):
    assert languages.parse_languages(typed) == (codes, unknown)


def test_names_round_trip_through_the_table():
    for code, _ in languages.LANGUAGE_CHOICES:
        assert languages.parse_languages(languages.language_name(code)) == ([code], [])
    assert languages.language_name("de-at") == "German (AT)"
    assert languages.language_name("xx") == "xx"


@pytest.mark.parametrize(("code", "key"), [
    ("pt-br", "pt"), ("PT", "pt"), ("nb", "no"), ("nn", "no"), ("zh-hans", "zh"),
    ("yue", "yue"), ("Xx", "xx")])
def test_matching_compares_the_language_without_region_or_script(code, key):
    assert languages.language_match_key(code) == key


@pytest.fixture
def cohort(scoped_organization):
    organization_defaults_ensure(organization=scoped_organization)
    return CohortFactory(program=ProgramFactory(organization=scoped_organization),
                         organization=scoped_organization)


def test_import_refuses_an_unknown_language_with_row_and_field(cohort):
    data = make_csv([["a@acme.example", "A", "mentor", "", "", "", "", "", "en;xx", "", ""]])

    report = participants_import_csv(cohort=cohort, file=data, actor=None, dry_run=False)

    assert not report.imported
    assert [(issue.row, issue.field, issue.column, issue.value) for issue in report.errors] == [
        (2, "languages", "languages", "en;xx")]
    assert report.errors[0].message.startswith("Not a language Flipside knows: “xx”.")
    assert not Participant.objects.exists()


def test_person_imported_with_chinese_can_save_their_own_profile(client, cohort, member_user):
    from tests.factories.programs import SeniorityLevelFactory, TopicFactory

    row = [member_user.email, "Maya", "mentor", "", "", "", "", "", "Chinese; English", "", ""]
    assert participants_import_csv(cohort=cohort, file=make_csv([row]), actor=None,
                                   dry_run=False).imported
    participant = Participant.objects.get(membership__user=member_user)
    assert participant.profile.languages == ["zh", "en"]
    client.force_login(member_user)
    page = client.get(profile_url(participant))
    shown = page.context["form"]["languages"].value()
    assert shown == "Chinese, English"
    level = SeniorityLevelFactory(organization=cohort.organization, name="Associate", rank=42)
    topics = [TopicFactory(organization=cohort.organization, name=f"Subject {n}")
              for n in range(3)]

    saved = client.post(profile_url(participant),
                        profile_data(level=level, topics=topics, languages=shown))

    assert saved.status_code == 302, saved.context["form"].errors
    participant.profile.refresh_from_db()
    assert participant.profile.languages == ["zh", "en"]


def test_profile_form_refuses_xx(client, cohort, member_user):
    from tests.factories.programs import SeniorityLevelFactory, TopicFactory

    participant = ParticipantFactory(cohort=cohort, role="mentor",
                                     membership=Membership.objects.get(user=member_user))
    client.force_login(member_user)
    level = SeniorityLevelFactory(organization=cohort.organization, name="Associate", rank=42)
    topics = [TopicFactory(organization=cohort.organization, name=f"Subject {n}")
              for n in range(3)]

    response = client.post(profile_url(participant),
                           profile_data(level=level, topics=topics, languages="English, xx"))

    assert response.status_code == 400
    assert "We do not recognise “xx” as a language." in \
        response.context["form"].errors["languages"][0]


def test_api_lists_the_table_in_its_schema_and_returns_tags(client, admin_user, cohort):
    from rest_framework.test import APIClient

    participant = ParticipantFactory(cohort=cohort, profile__languages=["pt-br", "en"])
    api = APIClient()
    api.force_authenticate(admin_user)

    detail = api.get(f"/api/v1/o/{cohort.organization.slug}/participants/{participant.pk}/")
    schema = client.get(reverse("schema"), {"format": "json"})

    assert detail.json()["languages"] == ["pt-br", "en"]
    enums = schema.json()["components"]["schemas"]
    enum = next(v for k, v in enums.items() if k.startswith("Language"))
    assert {"zh", "pt-br", "en"} <= set(enum["enum"])
    assert "xx" not in enum["enum"]


def test_matching_treats_regional_variants_as_one_language(cohort):
    from matching.selectors import cohort_problem

    ParticipantFactory(cohort=cohort, role="mentor", profile__languages=["pt-br", "nb"])
    ParticipantFactory(cohort=cohort, role="mentee", profile__languages=["PT", "zh-Hans"])
    with organization_scope(cohort.organization):
        problem = cohort_problem(cohort=cohort).problem

    assert problem.mentors[0].languages == frozenset({"pt", "no"})
    assert problem.mentees[0].languages == frozenset({"pt", "zh"})
