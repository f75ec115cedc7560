"""REST API of the surveys under ``/api/v1/o/<org_slug>/surveys/``.

Who may do what (``OrganizationAPIMixin`` roles, then the querysets):

- HR admins: survey definitions (list, create from a template, read, change, delete, publish,
  close, copy) and their questions; results.
- Executives: results (aggregates only, never free text).
- Participants (members and admins with a place in a cohort): the published surveys of their
  own cohorts (``surveys/mine/``), the questions meant for them, and submitting answers. Anyone
  else's survey is a 404.

Results come from :func:`feedback.selectors.survey_results`, the one implementation the pages
and the CSV export use, so the API applies exactly the same k rules. Services raise Django's
``ValidationError``; the API's one exception handler turns it into a 400 with field keys (answer
errors are keyed ``q<question id>`` or ``q<question id>_t<topic id>``, or ``answers``).
"""

from __future__ import annotations

from django.db.models import Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from accounts.permissions import (
    ADMIN_AND_EXECUTIVE,
    ADMIN_ONLY,
    PARTICIPANT_ROLES,
    OrganizationAPIMixin,
)
from feedback import catalog, selectors, services
from feedback.models import (
    MAX_REMINDER_DAYS,
    MAX_TEXT_ANSWER,
    Question,
    QuestionKind,
    Survey,
    SurveyKind,
    SurveyStatus,
    organization_today,
)
from programs.models import Audience, Cohort

REMINDER_CHOICES = list(range(MAX_REMINDER_DAYS + 1))


# --- survey definitions ----------------------------------------------------------------------

class QuestionSerializer(serializers.ModelSerializer):
    choices = serializers.ListField(
        child=serializers.CharField(max_length=120), required=False, max_length=20,
        help_text="The options of a single or multiple choice question, in order.")
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.BOTH)

    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text", "help_text", "required", "audience",
                  "choices", "builtin_key"]
        read_only_fields = ["id", "position", "builtin_key"]


class SurveySerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", read_only=True, allow_null=True)
    status = serializers.ChoiceField(choices=SurveyStatus.choices, read_only=True)
    kind = serializers.ChoiceField(choices=SurveyKind.choices, read_only=True)
    response_count = serializers.IntegerField(read_only=True)
    reminder_days = serializers.ChoiceField(choices=REMINDER_CHOICES, required=False)

    class Meta:
        model = Survey
        fields = ["id", "cohort", "is_template", "kind", "title", "intro", "anonymous",
                  "opens_on", "closes_on", "reminder_days", "status", "published_at",
                  "closed_at", "response_count"]
        read_only_fields = ["id", "cohort", "is_template", "kind", "status", "published_at",
                            "closed_at", "response_count"]


class SurveyDetailSerializer(SurveySerializer):
    questions = serializers.SerializerMethodField()

    class Meta(SurveySerializer.Meta):
        fields = [*SurveySerializer.Meta.fields, "questions"]

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, survey) -> list[dict]:
        return QuestionSerializer(selectors.survey_questions(survey=survey), many=True).data


class SurveyCreateSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(help_text="Id of the cohort the survey is for.")
    template = serializers.ChoiceField(
        choices=list(catalog.TEMPLATES), required=False,
        help_text="A built-in template to copy the questions from.")
    source = serializers.IntegerField(
        required=False, help_text="Or: the id of one of your templates or surveys to copy the "
                                  "questions from.")
    title = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")
    opens_on = serializers.DateField(required=False, allow_null=True, default=None)
    closes_on = serializers.DateField(required=False, allow_null=True, default=None)
    reminder_days = serializers.ChoiceField(choices=REMINDER_CHOICES, default=2)

    def validate_cohort(self, value: int) -> Cohort:
        cohort = Cohort.objects.filter(pk=value).first()  # scoped: other tenants' ids unknown
        if cohort is None:
            raise serializers.ValidationError("No cohort with this id.")
        return cohort

    def validate_source(self, value: int) -> Survey:
        survey = Survey.objects.filter(pk=value).first()
        if survey is None:
            raise serializers.ValidationError("No template or survey with this id.")
        return survey

    def validate(self, attrs):
        if ("template" in attrs) == ("source" in attrs):
            raise serializers.ValidationError(
                {"template": "Give either a built-in template or a source survey."})
        return attrs


class SurveyCopySerializer(serializers.Serializer):
    cohort = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="The cohort of the copy; leave it out (or null) to make a template.")
    title = serializers.CharField(max_length=160, required=False, allow_blank=True, default="")

    def validate_cohort(self, value):
        if value is None:
            return None
        return SurveyCreateSerializer.validate_cohort(self, value)


class SurveyListQuerySerializer(serializers.Serializer):
    templates = serializers.BooleanField(required=False, default=False,
                                         help_text="List the organization's templates instead.")


class SurveyListView(OrganizationAPIMixin, generics.ListAPIView):
    """Surveys of the organization's cohorts (``?templates=1``: its templates instead)."""

    serializer_class = SurveySerializer
    allowed_roles = ADMIN_ONLY
    queryset = Survey.objects.none()

    def get_queryset(self):
        wanted = SurveyListQuerySerializer(data=self.request.query_params)
        wanted.is_valid(raise_exception=True)
        if wanted.validated_data["templates"]:
            return selectors.templates_for_admin().annotate(response_count=Value(0))
        return selectors.surveys_for_admin()

    @extend_schema(parameters=[SurveyListQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=SurveyCreateSerializer, responses={201: SurveyDetailSerializer},
                   description="A cohort's survey (a draft) with questions copied from a "
                               "built-in template or from one of your templates or surveys.")
    def post(self, request, *args, **kwargs):
        data = SurveyCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        survey = services.survey_create(
            cohort=values["cohort"], actor=request.user,
            template=values.get("source") or values["template"], title=values["title"],
            opens_on=values["opens_on"], closes_on=values["closes_on"],
            reminder_days=values["reminder_days"])
        return Response(SurveyDetailSerializer(
            selectors.survey_for_admin(survey_pk=survey.pk)).data, status=201)


class SurveyMixin(OrganizationAPIMixin):
    allowed_roles = ADMIN_ONLY

    def get_survey(self) -> Survey:
        try:
            return selectors.survey_for_admin(survey_pk=self.kwargs["survey_pk"])
        except Survey.DoesNotExist as error:
            raise Http404("No such survey.") from error

    def detail(self, survey: Survey, code: int = 200) -> Response:
        return Response(SurveyDetailSerializer(
            selectors.survey_for_admin(survey_pk=survey.pk)).data, status=code)


class SurveyDetailView(SurveyMixin, generics.GenericAPIView):
    serializer_class = SurveyDetailSerializer
    queryset = Survey.objects.none()

    def get(self, request, *args, **kwargs):
        return self.detail(self.get_survey())

    @extend_schema(request=SurveySerializer, responses=SurveyDetailSerializer,
                   description="Change a survey's title, introduction, dates, reminder or (before "
                               "it is published) whether it is anonymous.")
    def patch(self, request, *args, **kwargs):
        survey = self.get_survey()
        data = SurveySerializer(survey, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        survey = services.survey_update(survey=survey, **data.validated_data)
        return self.detail(survey)

    @extend_schema(responses={204: None},
                   description="Delete a template or a survey nobody has answered.")
    def delete(self, request, *args, **kwargs):
        services.survey_delete(survey=self.get_survey())
        return Response(status=status.HTTP_204_NO_CONTENT)


class SurveyPublishView(SurveyMixin, generics.GenericAPIView):
    serializer_class = SurveyDetailSerializer
    queryset = Survey.objects.none()

    @extend_schema(request=None, responses=SurveyDetailSerializer,
                   description="Announce a draft: everyone it is for is invited on its opening "
                               "day, with one reminder before it closes.")
    def post(self, request, *args, **kwargs):
        return self.detail(services.survey_publish(survey=self.get_survey(),
                                                   actor=request.user))


class SurveyCloseView(SurveyMixin, generics.GenericAPIView):
    serializer_class = SurveyDetailSerializer
    queryset = Survey.objects.none()

    @extend_schema(request=None, responses=SurveyDetailSerializer,
                   description="Close now: no more answers; what is pending is released in "
                               "groups of at least k or withheld.")
    def post(self, request, *args, **kwargs):
        return self.detail(services.survey_close(survey=self.get_survey()))


class SurveyCopyView(SurveyMixin, generics.GenericAPIView):
    serializer_class = SurveyDetailSerializer
    queryset = Survey.objects.none()

    @extend_schema(request=SurveyCopySerializer, responses={201: SurveyDetailSerializer},
                   description="A new draft with the same questions (how a survey is changed "
                               "once answers are in).")
    def post(self, request, *args, **kwargs):
        data = SurveyCopySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        copy = services.survey_copy(survey=self.get_survey(), actor=request.user,
                                    cohort=data.validated_data["cohort"],
                                    title=data.validated_data["title"])
        return self.detail(copy, code=201)


class QuestionListView(SurveyMixin, generics.GenericAPIView):
    serializer_class = QuestionSerializer
    queryset = Question.objects.none()
    pagination_class = None

    @extend_schema(responses=QuestionSerializer(many=True))
    def get(self, request, *args, **kwargs):
        survey = self.get_survey()
        return Response(QuestionSerializer(selectors.survey_questions(survey=survey),
                                           many=True).data)

    @extend_schema(request=QuestionSerializer, responses={201: QuestionSerializer},
                   description="Add a question (refused once anyone has answered).")
    def post(self, request, *args, **kwargs):
        survey = self.get_survey()
        data = QuestionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_create(survey=survey, **data.validated_data)
        return Response(QuestionSerializer(question).data, status=201)


class QuestionDetailView(SurveyMixin, generics.GenericAPIView):
    serializer_class = QuestionSerializer
    queryset = Question.objects.none()

    def get_question(self) -> Question:
        return get_object_or_404(Question, survey=self.get_survey(),
                                 pk=self.kwargs["question_pk"])

    def get(self, request, *args, **kwargs):
        return Response(QuestionSerializer(self.get_question()).data)

    @extend_schema(request=QuestionSerializer, responses=QuestionSerializer,
                   description="Change a question (refused once anyone has answered).")
    def patch(self, request, *args, **kwargs):
        question = self.get_question()
        data = QuestionSerializer(question, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = {"kind": question.kind, "text": question.text,
                  "help_text": question.help_text, "required": question.required,
                  "audience": question.audience, "choices": question.choices,
                  **data.validated_data}
        question = services.question_update(question=question, **values)
        return Response(QuestionSerializer(question).data)

    @extend_schema(responses={204: None})
    def delete(self, request, *args, **kwargs):
        services.question_delete(question=self.get_question())
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- results ---------------------------------------------------------------------------------

class OutputSerializer(serializers.Serializer):
    """A response body only: every field is read-only (it is never parsed from a request)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields


class ResultsQuerySerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=["", "mentor", "mentee"], required=False, default="")
    department = serializers.CharField(max_length=120, required=False, default="")
    since = serializers.DateField(required=False, allow_null=True, default=None)
    until = serializers.DateField(required=False, allow_null=True, default=None)
    by = serializers.ChoiceField(choices=["", *selectors.BREAKDOWNS], required=False,
                                 default="")

    def validate(self, attrs):
        if attrs["since"] and attrs["until"] and attrs["until"] < attrs["since"]:
            raise serializers.ValidationError(
                {"until": "The end of the range must not be before its start."})
        return attrs


class ValueCountSerializer(OutputSerializer):
    value = serializers.CharField()
    count = serializers.IntegerField()


class NpsSerializer(OutputSerializer):
    score = serializers.IntegerField(help_text="% promoters − % detractors.")
    promoters = serializers.IntegerField()
    passives = serializers.IntegerField()
    detractors = serializers.IntegerField()


class CellSerializer(OutputSerializer):
    key = serializers.CharField()
    label = serializers.CharField()
    n = serializers.IntegerField(help_text="Answers in this group (never below k).")
    mean = serializers.FloatField(allow_null=True)
    distribution = serializers.SerializerMethodField()
    nps = NpsSerializer(allow_null=True)
    texts = serializers.ListField(child=serializers.CharField(), allow_null=True,
                                  help_text="Free texts in a random order (HR admins only).")
    is_other = serializers.BooleanField(help_text="Small groups combined.")
    merged = serializers.ListField(child=serializers.CharField(),
                                   help_text="The groups combined into this one.")

    @extend_schema_field(ValueCountSerializer(many=True))
    def get_distribution(self, cell) -> list[dict]:
        return [{"value": value, "count": count} for value, count in cell.distribution]


class TopicCellSerializer(OutputSerializer):
    topic = serializers.IntegerField(source="topic_id", allow_null=True)
    label = serializers.CharField()
    cell = CellSerializer()


class QuestionResultSerializer(OutputSerializer):
    question = serializers.IntegerField(source="question.pk")
    position = serializers.IntegerField(source="question.position")
    text = serializers.CharField(source="question.text")
    kind = serializers.CharField(source="question.kind")
    builtin_key = serializers.CharField(source="question.builtin_key")
    n = serializers.IntegerField(help_text="Answers in the selection (0 when suppressed).")
    suppressed = serializers.BooleanField(help_text="True: fewer than k answers, nothing shown.")
    note = serializers.CharField()
    cells = CellSerializer(many=True)
    topics = TopicCellSerializer(many=True)


class BeforeAfterSerializer(OutputSerializer):
    label = serializers.CharField()
    before = CellSerializer(allow_null=True)
    after = CellSerializer(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class RoleRateSerializer(OutputSerializer):
    role = serializers.CharField()
    responded = serializers.IntegerField()
    eligible = serializers.IntegerField()


class ResultsSerializer(OutputSerializer):
    survey = serializers.IntegerField(source="survey.pk")
    k = serializers.IntegerField(help_text="Smallest group shown.")
    text_k = serializers.IntegerField(help_text="Smallest group of free texts shown.")
    responded = serializers.IntegerField(source="rate.responded")
    eligible = serializers.IntegerField(source="rate.eligible")
    response_rate = serializers.IntegerField(source="rate.percent", allow_null=True,
                                             help_text="Percent, or null when nobody was asked.")
    by_role = RoleRateSerializer(source="rate.by_role", many=True)
    departments = serializers.ListField(child=serializers.CharField(),
                                        help_text="Departments the results can be filtered by.")
    questions = QuestionResultSerializer(many=True)
    before_after = BeforeAfterSerializer(many=True)
    note = serializers.CharField(source="pending_note")


class ResultsView(SurveyMixin, generics.GenericAPIView):
    """Aggregates of a survey under the organization's k: the same figures as the results page
    and its CSV, for the same filters."""

    serializer_class = ResultsSerializer
    allowed_roles = ADMIN_AND_EXECUTIVE
    queryset = Survey.objects.none()

    @extend_schema(parameters=[ResultsQuerySerializer], responses=ResultsSerializer)
    def get(self, request, *args, **kwargs):
        survey = self.get_survey()
        query = ResultsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if survey.is_template:
            raise serializers.ValidationError({"survey": "A template has no results."})
        results = selectors.survey_results(
            survey=survey, wanted=selectors.ResultsFilter(**query.validated_data),
            viewer_role=request.membership.role)
        return Response(ResultsSerializer(results).data)


# --- answering -------------------------------------------------------------------------------

class MySurveySerializer(OutputSerializer):
    id = serializers.IntegerField(source="survey.pk")
    title = serializers.CharField(source="survey.title")
    kind = serializers.CharField(source="survey.kind")
    cohort_name = serializers.CharField(source="survey.cohort.name")
    anonymous = serializers.BooleanField(source="survey.anonymous")
    status = serializers.ChoiceField(choices=SurveyStatus.choices)
    opens_on = serializers.DateField(source="survey.opens_on", allow_null=True)
    closes_on = serializers.DateField(source="survey.closes_on", allow_null=True)
    responded_on = serializers.DateField(allow_null=True)
    can_answer = serializers.BooleanField()


class SurveyTopicSerializer(OutputSerializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MyQuestionSerializer(OutputSerializer):
    id = serializers.IntegerField(source="question.pk")
    kind = serializers.CharField(source="question.kind")
    text = serializers.CharField(source="question.text")
    help_text = serializers.CharField(source="question.help_text")
    required = serializers.BooleanField(source="question.required")
    choices = serializers.ListField(source="question.choices", child=serializers.CharField())
    topics = SurveyTopicSerializer(many=True, help_text="Per-topic questions: answer each topic.")
    visibility = serializers.CharField(help_text="Who will see the answer.")


class MySurveyDetailSerializer(MySurveySerializer):
    intro = serializers.CharField(source="survey.intro")
    questions = MyQuestionSerializer(many=True)


class AnswerInputSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="Id of one of the survey's questions.")
    topic = serializers.IntegerField(required=False, allow_null=True, default=None,
                                     help_text="Per-topic questions: the topic's id.")
    value = serializers.JSONField(
        allow_null=True, help_text="A number (scale 1–5, NPS 0–10), an option (one choice), a "
                                   "list of options (several choices) or a text.")


class ResponseCreateSerializer(serializers.Serializer):
    answers = AnswerInputSerializer(many=True, max_length=500)


class ReceiptLineSerializer(OutputSerializer):
    question = serializers.IntegerField()
    topic = serializers.IntegerField(allow_null=True)
    value = serializers.CharField()
    visibility = serializers.CharField()


class ReceiptSerializer(OutputSerializer):
    survey = serializers.IntegerField()
    submitted_on = serializers.DateField()
    anonymous = serializers.BooleanField()
    answers = ReceiptLineSerializer(many=True, help_text="Your answers as stored: keep them, "
                                                         "anonymous answers are not shown again.")


class MySurveyListView(OrganizationAPIMixin, generics.GenericAPIView):
    """The published surveys of the signed-in person's cohorts, open ones first."""

    serializer_class = MySurveySerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = Survey.objects.none()
    pagination_class = None

    @extend_schema(responses=MySurveySerializer(many=True))
    def get(self, request, *args, **kwargs):
        return Response(MySurveySerializer(
            selectors.surveys_for_member(membership=request.membership), many=True).data)


class MySurveyMixin(OrganizationAPIMixin):
    allowed_roles = PARTICIPANT_ROLES

    def get_place(self):
        try:
            return selectors.answerable_survey(survey_pk=self.kwargs["survey_pk"],
                                               membership=self.request.membership)
        except Survey.DoesNotExist as error:
            raise Http404("No such survey.") from error


class MySurveyDetailView(MySurveyMixin, generics.GenericAPIView):
    serializer_class = MySurveyDetailSerializer
    queryset = Survey.objects.none()

    def get(self, request, *args, **kwargs):
        survey, participant = self.get_place()
        topics = selectors.respondent_topics(participant=participant)
        mine = next(m for m in selectors.surveys_for_member(membership=request.membership)
                    if m.survey.pk == survey.pk)
        questions = [{"question": q, "visibility": selectors.visibility(survey=survey,
                                                                        question=q),
                      "topics": [{"id": t.pk, "name": t.name} for t in topics]
                      if q.kind == QuestionKind.TOPIC_SCALE else []}
                     for q in selectors.questions_for_respondent(survey=survey,
                                                                 participant=participant)]
        data = MySurveySerializer(mine).data
        data.update(intro=survey.intro, questions=MyQuestionSerializer(questions, many=True).data)
        return Response(data)


def _shown(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(value)
    return "" if value is None else str(value)


class MyResponseStatusSerializer(OutputSerializer):
    survey = serializers.IntegerField()
    responded_on = serializers.DateField(
        allow_null=True, help_text="The day you responded, or null. Anonymous answers are "
                                   "not linked to you, so they are never returned.")


class MyResponseCreateView(MySurveyMixin, generics.GenericAPIView):
    serializer_class = ResponseCreateSerializer
    queryset = Survey.objects.none()

    @extend_schema(responses=MyResponseStatusSerializer,
                   description="Whether you have responded to this survey, and on which day.")
    def get(self, request, *args, **kwargs):
        survey, participant = self.get_place()
        response = selectors.response_of(survey=survey, participant=participant)
        return Response(MyResponseStatusSerializer({
            "survey": survey.pk,
            "responded_on": response.responded_on if response else None}).data)

    @extend_schema(request=ResponseCreateSerializer, responses={201: ReceiptSerializer},
                   description="Submit your answers (once). Returns your receipt: anonymous "
                               "answers are stored with no link to you and cannot be shown to "
                               "you again.")
    def post(self, request, *args, **kwargs):
        survey, participant = self.get_place()
        data = ResponseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        answers = [services.AnswerInput(question_id=a["question"], topic_id=a["topic"],
                                        value=a["value"])
                   for a in data.validated_data["answers"]]
        stored = services.response_submit(survey=survey, participant=participant,
                                          answers=answers)
        lines = [{"question": a.question.pk, "topic": a.topic_id,
                  "value": _shown(a.text or list(a.choices) or a.number)[:MAX_TEXT_ANSWER],
                  "visibility": selectors.visibility(survey=survey, question=a.question)}
                 for a in stored]
        return Response(ReceiptSerializer({
            "survey": survey.pk, "submitted_on": organization_today(request.organization),
            "anonymous": survey.anonymous, "answers": lines}).data, status=201)
