"""Survey pages under ``/o/<org_slug>/surveys/``.

Security boundary: every view uses ``OrganizationMixin`` (member of the URL's organization or
404; role or 403). HR admins build, send and close surveys and read results; executives read
results (no free text); participants answer the published surveys of their own cohorts only
(:func:`feedback.selectors.answerable_survey`: anyone else's survey is 404). No page shows
anyone's answers of an anonymous survey except the respondent's receipt, rendered once from
what they just sent (it is stored nowhere).

The views parse input with the forms, call one service or selector and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.functional import cached_property
from django.views.generic import TemplateView

from accounts.permissions import (
    ADMIN_AND_EXECUTIVE,
    ADMIN_ONLY,
    PARTICIPANT_ROLES,
    OrganizationMixin,
)
from core.web import action_submit, form_post, form_submit
from feedback import catalog, exports, selectors, services
from feedback.forms import (
    AnswerForm,
    MoveForm,
    QuestionForm,
    ResultsFilterForm,
    SurveyCopyForm,
    SurveyCreateForm,
    SurveySettingsForm,
    TemplateCopyForm,
)
from feedback.models import Question, Survey, SurveyKind, SurveyStatus, organization_today
from programs.models import Cohort


def _survey_page(request, survey: Survey):
    return redirect("feedback:survey_detail", org_slug=request.organization.slug,
                    survey_pk=survey.pk)


class SurveyAdminMixin(OrganizationMixin):
    """A page about one survey or template, for HR admins."""

    allowed_roles = ADMIN_ONLY

    @cached_property
    def survey(self) -> Survey:
        try:
            return selectors.survey_for_admin(survey_pk=self.kwargs["survey_pk"])
        except Survey.DoesNotExist as error:
            raise Http404("No such survey.") from error

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["survey"] = self.survey
        return context

    def back(self):
        return redirect("feedback:survey_detail", org_slug=self.request.organization.slug,
                        survey_pk=self.survey.pk)


class QuestionMixin(SurveyAdminMixin):
    @cached_property
    def question(self) -> Question:
        return get_object_or_404(Question, survey=self.survey, pk=self.kwargs["question_pk"])


# --- lists and creation ----------------------------------------------------------------------

class SurveyListView(OrganizationMixin, TemplateView):
    template_name = "feedback/survey_list.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cohort = None
        cohort_pk = self.request.GET.get("cohort", "")
        if cohort_pk.isdigit():
            cohort = Cohort.objects.filter(pk=cohort_pk).first()
        context.update(cohort=cohort, surveys=list(selectors.surveys_for_admin(cohort=cohort)),
                       templates=list(selectors.templates_for_admin()),
                       builtins=list(catalog.TEMPLATES.values()),
                       copy_form=TemplateCopyForm())
        return context


class SurveyCreateView(OrganizationMixin, TemplateView):
    template_name = "feedback/survey_create.html"
    allowed_roles = ADMIN_ONLY

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        initial = {}
        for name in ("cohort", "template"):
            if self.request.GET.get(name):
                initial[name] = self.request.GET.get(name)
        context.setdefault("form", SurveyCreateForm(initial=initial))
        return context

    def post(self, request, *args, **kwargs):
        form = SurveyCreateForm(request.POST)
        return form_post(
            self, form,
            lambda data: services.survey_create(
                cohort=data["cohort"], actor=request.user, template=form.chosen_template(),
                title=data["title"], opens_on=data["opens_on"], closes_on=data["closes_on"],
                reminder_days=data["reminder_days"]),
            success=lambda survey: f"“{survey.title}” created as a draft: check the "
                                   "questions, then publish it.",
            then=lambda survey: _survey_page(request, survey))


class TemplateCopyView(OrganizationMixin, TemplateView):
    """Copy a built-in template into the organization's own templates, to edit it."""

    allowed_roles = ADMIN_ONLY
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        form = TemplateCopyForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose one of the built-in templates.")
            return redirect("feedback:survey_list", org_slug=request.organization.slug)
        survey = services.survey_template_copy(organization=request.organization,
                                               actor=request.user,
                                               template_key=form.cleaned_data["template"])
        messages.success(request, f"“{survey.title}” copied into your templates: edit it here.")
        return redirect("feedback:survey_detail", org_slug=request.organization.slug,
                        survey_pk=survey.pk)


# --- one survey ------------------------------------------------------------------------------

class SurveyDetailView(SurveyAdminMixin, TemplateView):
    template_name = "feedback/survey_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey = self.survey
        questions = selectors.survey_questions(survey=survey)
        context.update(
            questions=[(q, selectors.visibility(survey=survey, question=q)) for q in questions],
            editable=survey.response_count == 0 and survey.closed_at is None,
            status=survey.status, rate=None if survey.is_template
            else selectors.response_rate(survey=survey),
            can_close=not survey.is_template and survey.closed_at is None
            and (survey.published_at is not None or survey.kind == SurveyKind.POST_SESSION),
        )
        return context


class SurveyEditView(SurveyAdminMixin, TemplateView):
    template_name = "feedback/survey_edit.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SurveySettingsForm.for_survey(self.survey))
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, SurveySettingsForm(request.POST),
            lambda data: services.survey_update(survey=self.survey, **data),
            success="Survey saved.", then=lambda _: self.back())


class SurveyActionView(SurveyAdminMixin, TemplateView):
    """A button on the survey's page: one service call, then back to the page."""

    http_method_names = ["post"]
    done = ""

    def act(self):
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        ok, target = action_submit(request, self.act, success=self.done)
        return (target if ok else None) or self.back()


class SurveyPublishView(SurveyActionView):
    done = "Published: everyone it is for is invited on its opening day, with one reminder " \
           "before it closes."

    def act(self):
        services.survey_publish(survey=self.survey, actor=self.request.user)


class SurveyCloseView(SurveyActionView):
    done = "Closed: no more answers are taken, and the pending answers were released."

    def act(self):
        services.survey_close(survey=self.survey)


class SurveyDeleteView(SurveyActionView):
    done = "Deleted."

    def act(self):
        services.survey_delete(survey=self.survey)
        return redirect("feedback:survey_list", org_slug=self.request.organization.slug)


class SurveyCopyView(SurveyAdminMixin, TemplateView):
    template_name = "feedback/survey_copy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", SurveyCopyForm(initial={"cohort": self.survey.cohort_id}))
        return context

    def post(self, request, *args, **kwargs):
        return form_post(
            self, SurveyCopyForm(request.POST),
            lambda data: services.survey_copy(survey=self.survey, actor=request.user,
                                              cohort=data["cohort"], title=data["title"]),
            success=lambda copy: f"Copied as “{copy.title}”: edit it before you publish it.",
            then=lambda copy: _survey_page(request, copy))


# --- questions -------------------------------------------------------------------------------

class QuestionCreateView(SurveyAdminMixin, TemplateView):
    template_name = "feedback/question_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("form", QuestionForm())
        return context

    def post(self, request, *args, **kwargs):
        form = QuestionForm(request.POST)
        return form_post(
            self, form, lambda _: services.question_create(survey=self.survey, **form.values()),
            success="Question added.", then=lambda _: self.back())


class QuestionEditView(QuestionMixin, TemplateView):
    template_name = "feedback/question_form.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["question"] = self.question
        context.setdefault("form", QuestionForm.for_question(self.question))
        return context

    def post(self, request, *args, **kwargs):
        form = QuestionForm(request.POST)
        return form_post(
            self, form,
            lambda _: services.question_update(question=self.question, **form.values()),
            success="Question saved.", then=lambda _: self.back())


class QuestionDeleteView(QuestionMixin, SurveyActionView):
    done = "Question removed."

    def act(self):
        services.question_delete(question=self.question)


class QuestionMoveView(QuestionMixin, SurveyActionView):
    done = "Question moved."

    def act(self):
        question = self.question  # 404 for a question of another survey, before anything else
        form = MoveForm(self.request.POST)
        if not form.is_valid():
            raise ValidationError("Move a question up or down.")
        services.question_move(question=question, direction=form.cleaned_data["direction"])


# --- results ---------------------------------------------------------------------------------

class ResultsMixin(SurveyAdminMixin):
    allowed_roles = ADMIN_AND_EXECUTIVE

    def results(self):
        survey = self.survey
        if survey.is_template:
            raise Http404("A template has no results.")
        form = ResultsFilterForm(self.request.GET or None,
                                 departments=selectors.result_departments(survey=survey))
        wanted = selectors.ResultsFilter()
        if form.is_bound and form.is_valid():
            wanted = selectors.ResultsFilter(**form.cleaned_data)
        return form, selectors.survey_results(survey=survey, wanted=wanted,
                                              viewer_role=self.request.membership.role)


class ResultsListView(OrganizationMixin, TemplateView):
    """The surveys whose results admins and executives read (the executive's way in)."""

    template_name = "feedback/results_list.html"
    allowed_roles = ADMIN_AND_EXECUTIVE

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["surveys"] = list(selectors.surveys_with_results())
        return context


class ResultsView(ResultsMixin, TemplateView):
    template_name = "feedback/results.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form, results = self.results()
        context.update(form=form, results=results, charts=exports.chart_data(results),
                       csv_query=self.request.GET.urlencode())
        return context


class ResultsCsvView(ResultsMixin, TemplateView):
    def get(self, request, *args, **kwargs):
        _, results = self.results()
        return exports.results_csv_response(results)


# --- answering -------------------------------------------------------------------------------

class MySurveysView(OrganizationMixin, TemplateView):
    template_name = "feedback/my_surveys.html"
    allowed_roles = PARTICIPANT_ROLES

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["mine"] = selectors.surveys_for_member(membership=self.request.membership)
        return context


class AnswerView(OrganizationMixin, TemplateView):
    """One page with every question for the respondent. "Save draft" keeps the answers,
    "Preview" shows what will be stored and who sees it, "Submit" (from the preview) stores
    them and shows the receipt."""

    template_name = "feedback/answer.html"
    allowed_roles = PARTICIPANT_ROLES

    @cached_property
    def place(self):
        try:
            return selectors.answerable_survey(survey_pk=self.kwargs["survey_pk"],
                                               membership=self.request.membership)
        except Survey.DoesNotExist as error:
            raise Http404("No such survey.") from error

    def form(self, data=None, initial=None) -> AnswerForm:
        survey, participant = self.place
        return AnswerForm(data, initial=initial, survey=survey,
                          questions=selectors.questions_for_respondent(
                              survey=survey, participant=participant),
                          topics=selectors.respondent_topics(participant=participant))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        survey, participant = self.place
        responded = selectors.has_responded(survey=survey, participant=participant)
        context.update(survey=survey, participant=participant, responded=responded,
                       status=survey.status, k=selectors.suppression.effective_k(
                           self.request.organization.anonymity_threshold))
        if "form" not in context and not responded and survey.status == SurveyStatus.OPEN:
            draft = selectors.draft_of(survey=survey, participant=participant)
            context["form"] = self.form(initial=draft.data if draft else None)
            context["draft"] = draft
        return context

    def post(self, request, *args, **kwargs):
        survey, participant = self.place

        def may_answer():
            services.respondent_check(survey=survey, participant=participant)
            if selectors.has_responded(survey=survey, participant=participant):
                raise ValidationError("You have already answered this survey. Thank you!")

        allowed, _ = action_submit(request, may_answer)  # a refusal is flashed
        if not allowed:
            return redirect("feedback:my_surveys", org_slug=request.organization.slug)
        form = self.form(request.POST)
        action = request.POST.get("action", "preview")
        if action == "save":
            saved, _ = action_submit(
                request, lambda: services.draft_save(survey=survey, participant=participant,
                                                     data=form.draft_data()),
                success="Draft saved. Only you can see it; it is deleted when you submit.")
            if not saved:
                return redirect("feedback:my_surveys", org_slug=request.organization.slug)
            return redirect("feedback:answer", org_slug=request.organization.slug,
                            survey_pk=survey.pk)
        if not form.is_valid() or action == "edit":
            return self.render_to_response(self.get_context_data(form=form),
                                           status=200 if action == "edit" else 400)
        store = services.response_submit if action == "submit" else services.answers_clean
        ok, stored = form_submit(form, lambda _: store(survey=survey, participant=participant,
                                                       answers=form.answer_inputs()))
        if not ok:
            return self.render_to_response(self.get_context_data(form=form), status=400)
        template = "feedback/receipt.html" if action == "submit" else \
            "feedback/answer_preview.html"
        context = self.get_context_data(form=form, lines=form.preview())
        if action == "submit":
            context["receipt"] = {
                "survey": survey.title, "cohort": survey.cohort.name,
                "organization": request.organization.name, "answers_stored": len(stored),
                "submitted_on": organization_today(request.organization).isoformat(),
                "anonymous": survey.anonymous, "lines": context["lines"]}
        return self.response_class(request=request, template=[template], context=context,
                                   using=self.template_engine)
