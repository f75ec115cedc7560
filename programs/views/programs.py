"""Program pages for HR admins: list, create from a template, detail, edit, prompts, resources."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path
from django.views import View
from django.views.generic import TemplateView
from django.views.generic.base import ContextMixin, TemplateResponseMixin

from accounts.permissions import ADMIN_ONLY, OrganizationMixin
from core.web import form_submit
from programs import selectors, services
from programs.catalog import TEMPLATES
from programs.forms import ProgramCreateForm, ProgramForm, PromptForm, ResourceForm
from programs.models import DirectedPrompt, Program, Resource


class ProgramListView(OrganizationMixin, TemplateView):
    template_name = "programs/program_list.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["programs"] = selectors.programs_list()
        return context


class ProgramCreateView(OrganizationMixin, TemplateView):
    template_name = "programs/program_create.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", ProgramCreateForm(programs=Program.objects.all()))
        context["templates"] = TEMPLATES
        return context

    def post(self, request, org_slug):
        form = ProgramCreateForm(request.POST, programs=Program.objects.all())
        ok, program = form_submit(form, lambda data: services.program_create(
            organization=request.organization, actor=request.user, name=data["name"],
            purpose=data["purpose"],
            template_key="" if data["start_from"] == form.START_BLANK or data["copy_from"]
            else data["start_from"],
            copy_from=data["copy_from"]))
        if not ok:
            return self.render_to_response(self.get_context_data(form=form), status=400)
        messages.success(request, f"Program “{program.name}” created. Review it, then add a "
                                  "cohort.")
        return redirect("programs:program_detail", org_slug=org_slug, program_pk=program.pk)


class ProgramPageMixin(OrganizationMixin):
    """The program page's content: shared by the page and by the forms posted from it (a
    refused prompt or resource shows the page again with the form's errors)."""

    template_name = "programs/program_detail.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            program = selectors.program_detail(pk=self.kwargs["program_pk"])
        except Program.DoesNotExist as error:
            raise Http404 from error
        context["program"] = program
        context["cohorts"] = selectors.cohorts_of_program(program=program)
        context.setdefault("prompt_form", PromptForm(topics=selectors.active_topics()))
        context.setdefault("resource_form", ResourceForm())
        return context


class ProgramDetailView(ProgramPageMixin, TemplateView):
    pass


class ProgramFormActionView(ProgramPageMixin, TemplateResponseMixin, ContextMixin, View):
    """A form posted from the program page to a service: back to the page with a message, or
    the page again (400) with the form's errors next to its fields."""

    http_method_names = ["post"]
    form_name: str
    success: str

    def make_form(self, data):
        raise NotImplementedError

    def call(self, *, program: Program, data: dict):
        raise NotImplementedError

    def post(self, request, org_slug, program_pk):
        program = get_object_or_404(Program, pk=program_pk)
        form = self.make_form(request.POST)
        ok, _ = form_submit(form, lambda data: self.call(program=program, data=data))
        if not ok:
            return self.render_to_response(self.get_context_data(**{self.form_name: form}),
                                           status=400)
        messages.success(request, self.success)
        return redirect("programs:program_detail", org_slug=org_slug, program_pk=program.pk)


class ProgramEditView(OrganizationMixin, TemplateView):
    template_name = "programs/program_edit.html"
    allowed_roles = ADMIN_ONLY

    def get_program(self) -> Program:
        return get_object_or_404(Program, pk=self.kwargs["program_pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["program"] = program = kwargs.get("program") or self.get_program()
        context.setdefault("form", ProgramForm(instance=program,
                                               topics=selectors.active_topics()))
        return context

    def post(self, request, org_slug, program_pk):
        program = self.get_program()
        form = ProgramForm(request.POST, instance=program, topics=selectors.active_topics())

        def update(data: dict) -> Program:
            fields = dict(data)
            focus_areas = list(fields.pop("focus_areas"))
            return services.program_update(program=program, focus_areas=focus_areas, **fields)

        ok, _ = form_submit(form, update)
        if not ok:
            return self.render_to_response(
                self.get_context_data(form=form, program=self.get_program()), status=400)
        messages.success(request, "Program saved.")
        return redirect("programs:program_detail", org_slug=org_slug, program_pk=program.pk)


class PromptAddView(ProgramFormActionView):
    form_name = "prompt_form"
    success = "Prompt added."

    def make_form(self, data):
        return PromptForm(data, topics=selectors.active_topics())

    def call(self, *, program: Program, data: dict):
        return services.prompt_add(program=program, **data)


class PromptDeleteView(OrganizationMixin, View):
    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, program_pk, prompt_pk):
        services.prompt_delete(prompt=get_object_or_404(DirectedPrompt, pk=prompt_pk,
                                                 program_id=program_pk))
        messages.success(request, "Prompt removed.")
        return redirect("programs:program_detail", org_slug=org_slug, program_pk=program_pk)


class ResourceAddView(ProgramFormActionView):
    form_name = "resource_form"
    success = "Resource added."

    def make_form(self, data):
        return ResourceForm(data)

    def call(self, *, program: Program, data: dict):
        return services.resource_add(program=program, **data)


class ResourceDeleteView(OrganizationMixin, View):
    allowed_roles = ADMIN_ONLY

    def post(self, request, org_slug, program_pk, resource_pk):
        services.resource_delete(resource=get_object_or_404(Resource, pk=resource_pk,
                                                 program_id=program_pk))
        messages.success(request, "Resource removed.")
        return redirect("programs:program_detail", org_slug=org_slug, program_pk=program_pk)


urlpatterns = [
    path("", ProgramListView.as_view(), name="program_list"),
    path("new/", ProgramCreateView.as_view(), name="program_create"),
    path("<int:program_pk>/", ProgramDetailView.as_view(), name="program_detail"),
    path("<int:program_pk>/edit/", ProgramEditView.as_view(), name="program_edit"),
    path("<int:program_pk>/prompts/", PromptAddView.as_view(), name="prompt_add"),
    path("<int:program_pk>/prompts/<int:prompt_pk>/delete/", PromptDeleteView.as_view(),
         name="prompt_delete"),
    path("<int:program_pk>/resources/", ResourceAddView.as_view(), name="resource_add"),
    path("<int:program_pk>/resources/<int:resource_pk>/delete/", ResourceDeleteView.as_view(),
         name="resource_delete"),
]
