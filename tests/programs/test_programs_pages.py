"""Programs, templates, prompts, resources, safe Markdown and the topic taxonomy, through the
HR admin's pages and the services behind them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs import services
from programs.catalog import DEFAULT_LEVELS, DEFAULT_TOPICS, TEMPLATES
from programs.markdown import render_markdown
from programs.models import (
    DirectedPrompt,
    Participant,
    ParticipantTopic,
    Program,
    Resource,
    SeniorityLevel,
    Topic,
)
from tests.factories.programs import (
    CohortFactory,
    ParticipantFactory,
    ParticipantTopicFactory,
    ProgramFactory,
    TopicFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, organization, **kwargs) -> str:
    return reverse(f"programs:{name}", kwargs={"org_slug": organization.slug, **kwargs})


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- creating programs -----------------------------------------------------------------------

@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.key)
def test_each_builtin_template_prefills_a_useful_program(scoped_organization, admin_client,
                                                         template):
    response = admin_client.post(url("program_create", scoped_organization),
                                 {"name": "Pilot 2027", "start_from": template.key})

    program = Program.objects.get()
    assert response["Location"] == url("program_detail", scoped_organization, program_pk=program.pk)
    assert (program.purpose, program.objectives, program.template_key) == (
        template.purpose, template.objectives, template.key)
    assert len(program.objectives) >= 3
    assert "psychological" in program.confidentiality_statement.lower() or \
        "candid" in program.confidentiality_statement.lower()
    assert sorted(t.name for t in program.focus_areas.all()) == sorted(template.focus_areas)
    prompts = list(program.prompts.order_by("position"))
    assert [p.text for p in prompts] == [text for _, _, text in template.prompts]
    assert {p.phase for p in prompts} == {"kickoff", "early", "mid", "closing"}
    assert [r.title for r in program.resources.order_by("position")] == [
        title for title, _, _, _ in template.resources]
    # the organization got its default taxonomy and seniority ladder on first use
    assert Topic.objects.filter(name__in=DEFAULT_TOPICS).count() == len(DEFAULT_TOPICS)
    assert list(SeniorityLevel.objects.values_list("name", "rank")) == DEFAULT_LEVELS


def test_a_blank_program_needs_a_purpose(scoped_organization, admin_client):
    response = admin_client.post(url("program_create", scoped_organization),
                                 {"name": "Blank", "start_from": "blank", "purpose": "  "})

    assert response.status_code == 400
    assert response.context["form"].errors["purpose"] == [
        "A blank program needs a purpose: say why it exists."]
    assert not Program.objects.exists()


def test_copying_a_program_copies_its_content(scoped_organization, admin_client):
    source = services.program_create(organization=scoped_organization, actor=None, name="Original",
                                     template_key="inclusion-genz")

    admin_client.post(url("program_create", scoped_organization), {
        "name": "Second wave", "start_from": "blank", "copy_from": source.pk})

    copy = Program.objects.get(name="Second wave")
    assert (copy.purpose, copy.objectives, copy.guidelines) == (
        source.purpose, source.objectives, source.guidelines)
    assert copy.prompts.count() == source.prompts.count() > 0
    assert copy.resources.count() == source.resources.count() > 0
    assert set(copy.focus_areas.all()) == set(source.focus_areas.all())
    assert copy.slug != source.slug


def test_a_program_of_another_organization_cannot_be_copied(scoped_organization,
                                                            other_organization):
    foreign = ProgramFactory(organization=other_organization)
    with pytest.raises(ValidationError, match="only be copied within its organization"):
        services.program_create(organization=scoped_organization, actor=None, name="X",
                                copy_from=foreign)


def test_editing_objectives_one_per_line(scoped_organization, admin_client):
    program = ProgramFactory(organization=scoped_organization)

    admin_client.post(url("program_edit", scoped_organization, program_pk=program.pk), {
        "name": "Renamed", "purpose": "Why we do it",
        "objectives": "- 80% more confident\n\n• 6 meetings per pair\n",
        "guidelines": "", "confidentiality_statement": ""})

    program.refresh_from_db()
    assert (program.name, program.objectives) == (
        "Renamed", ["80% more confident", "6 meetings per pair"])


def test_prompts_and_resources_are_added_and_removed(scoped_organization, admin_client):
    program = ProgramFactory(organization=scoped_organization)
    topic = TopicFactory(organization=scoped_organization, name="AI tools")

    admin_client.post(url("prompt_add", scoped_organization, program_pk=program.pk),
                      {"text": "Show one AI task", "phase": "early", "topic": topic.pk})
    refused = admin_client.post(url("resource_add", scoped_organization, program_pk=program.pk),
                                {"title": "Empty", "audience": "both", "url": "", "body": ""})
    admin_client.post(url("resource_add", scoped_organization, program_pk=program.pk), {
        "title": "Primer", "audience": "mentee", "url": "https://example.com/primer",
        "body": ""})

    prompt = DirectedPrompt.objects.get()
    assert (prompt.text, prompt.phase, prompt.topic) == ("Show one AI task", "early", topic)
    assert refused.status_code == 400
    assert Resource.objects.get().title == "Primer"

    admin_client.post(url("prompt_delete", scoped_organization, program_pk=program.pk,
                          prompt_pk=prompt.pk))
    assert not DirectedPrompt.objects.exists()


def test_markdown_is_rendered_and_sanitised(scoped_organization, admin_client):
    program = ProgramFactory(
        organization=scoped_organization,
        guidelines="**Meet often**\n\n<script>alert('x')</script>\n\n"
                   "[click](javascript:alert(1)) <img src=x onerror=alert(1)>")

    page = admin_client.get(url("program_detail", scoped_organization, program_pk=program.pk))

    html = page.content.decode()
    assert "<strong>Meet often</strong>" in html
    assert "<script>alert" not in html
    assert "javascript:" not in html
    assert "onerror" not in html
    assert render_markdown("[ok](https://example.com)") == (
        '<p><a href="https://example.com" rel="noopener noreferrer">ok</a></p>')


@pytest.mark.parametrize("programs", [1, 15])
def test_program_list_query_count_does_not_grow(scoped_organization, admin_client, programs,
                                                django_assert_num_queries):
    for _ in range(programs):
        CohortFactory(program=ProgramFactory(organization=scoped_organization))

    # session, user, the user's memberships with their organizations (the URL's
    # organization and the switcher); nav: unread count; programs
    with django_assert_num_queries(5):
        response = admin_client.get(url("program_list", scoped_organization))

    assert len(response.context["programs"]) == programs


# --- topics ----------------------------------------------------------------------------------

def test_topics_are_added_renamed_retired_and_restored(scoped_organization, admin_client):
    admin_client.post(url("topic_list", scoped_organization), {"name": "Prompt engineering"})
    topic = Topic.objects.get(name="Prompt engineering")
    duplicate = admin_client.post(url("topic_list", scoped_organization),
                                  {"name": "prompt ENGINEERING"})

    admin_client.post(url("topic_action", scoped_organization, topic_pk=topic.pk),
                      {"action": "rename", "name": "Prompting"})
    admin_client.post(url("topic_action", scoped_organization, topic_pk=topic.pk),
                      {"action": "retire"})
    topic.refresh_from_db()
    assert (topic.name, topic.is_retired) == ("Prompting", True)
    assert duplicate.status_code == 400
    assert duplicate.context["form"].errors["name"] == [
        "There is already a topic called “prompt ENGINEERING”."]

    admin_client.post(url("topic_action", scoped_organization, topic_pk=topic.pk),
                      {"action": "restore"})
    topic.refresh_from_db()
    assert topic.is_retired is False


def test_merging_topics_moves_interests_and_keeps_the_stronger(scoped_organization, admin_client):
    source = TopicFactory(organization=scoped_organization, name="GenAI")
    target = TopicFactory(organization=scoped_organization, name="AI tools")
    program = ProgramFactory(organization=scoped_organization)
    program.focus_areas.add(source)
    both = ParticipantFactory(cohort=CohortFactory(program=program))
    only_source = ParticipantFactory(cohort=both.cohort)
    ParticipantTopicFactory(participant=both, topic=source, interest="learn", strength=3)
    ParticipantTopicFactory(participant=both, topic=target, interest="learn", strength=1)
    ParticipantTopicFactory(participant=only_source, topic=source, interest="teach", strength=2)

    response = admin_client.post(url("topic_action", scoped_organization, topic_pk=source.pk),
                                 {"action": "merge", "target": target.pk}, follow=True)

    assert "“GenAI” merged into “AI tools”." in messages_of(response)
    source.refresh_from_db()
    assert (source.is_retired, source.merged_into) == (True, target)
    assert list(program.focus_areas.all()) == [target]
    assert set(ParticipantTopic.objects.values_list("participant_id", "topic_id", "interest",
                                                    "strength")) == {
        (both.pk, target.pk, "learn", 3), (only_source.pk, target.pk, "teach", 2)}
    assert Participant.objects.count() == 2


def test_a_topic_cannot_be_merged_into_itself(scoped_organization):
    topic = TopicFactory(organization=scoped_organization)
    with pytest.raises(ValidationError, match="Choose two different topics"):
        services.topic_merge(source=topic, target=topic)
