"""The organization's topic taxonomy: add, rename, merge, retire."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views import View
from django.views.generic import TemplateView

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.web import action_submit, form_post
from programs import selectors, services
from programs.forms import TopicForm, TopicMergeForm
from programs.models import Topic


class TopicListView(OrganizationMixin, TemplateView):
    template_name = "programs/topic_list.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        services.organization_defaults_ensure(organization=self.request.organization)
        context = super().get_context_data(**kwargs)
        context["topics"] = selectors.topics_with_usage()
        context["active_topics"] = selectors.active_topics()
        context.setdefault("form", TopicForm())
        return context

    def post(self, request, org_slug):
        return form_post(
            self, TopicForm(request.POST),
            lambda data: services.topic_create(organization=request.organization,
                                               name=data["name"]),
            field="name", success=lambda topic: f"Topic “{topic.name}” added.",
            then=lambda _: redirect("programs:topic_list", org_slug=org_slug))


class TopicActionView(OrganizationMixin, View):
    """Rename, merge, retire or restore one topic (one POST endpoint, ``action`` field)."""

    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, topic_pk):
        topic = get_object_or_404(Topic, pk=topic_pk)
        action = request.POST.get("action")
        action_submit(request, lambda: self._perform(action, topic, request.POST),
                      success=lambda message: message)
        return redirect("programs:topic_list", org_slug=org_slug)

    def _perform(self, action: str | None, topic: Topic, data) -> str:
        if action == "rename":
            form = TopicForm(data)
            if not form.is_valid():
                raise ValidationError("Give the topic a name of at most 80 characters.")
            old = topic.name
            services.topic_rename(topic=topic, name=form.cleaned_data["name"])
            return f"“{old}” renamed to “{topic.name}”."
        if action == "merge":
            form = TopicMergeForm(data, topics=selectors.active_topics())
            if not form.is_valid():
                raise ValidationError("Choose an active topic to merge into.")
            target = services.topic_merge(source=topic, target=form.cleaned_data["target"])
            return f"“{topic.name}” merged into “{target.name}”."
        if action in ("retire", "restore"):
            services.topic_set_retired(topic=topic, retired=action == "retire")
            return f"“{topic.name}” {'retired' if action == 'retire' else 'restored'}."
        raise ValidationError("Unknown action.")


urlpatterns = [
    path("topics/", TopicListView.as_view(), name="topic_list"),
    path("topics/<int:topic_pk>/", TopicActionView.as_view(), name="topic_action"),
]
