"""REST API for the pair's lifecycle and HR's pair health.

- HR admins: a cohort's pair health (paginated, filters ``health``, ``q``, ``sort``), one
  pair with its history, and the lifecycle actions (pause, resume, end, confirm or decline a
  request to end, extend, nudge, re-pair and its live assessment).
- The two people of a pair: pause, resume, ask to end, withdraw their request.

Security boundary: :class:`OrganizationAPIMixin` on every view (member or 404, role or 403,
tenant scope open); pairs are loaded through the scoped manager, and the people's endpoints
only through their own membership, so anyone else's pair is a 404. The services check who
may act again (``PermissionDenied`` is a 403) and raise Django ``ValidationError`` for bad
input, which the global exception handler turns into a 400 with the same messages as the
web pages. Pair health carries counts and dates only: no session summary, note, goal or
commitment text, or anyone's rating.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response

from accounts.permissions import ADMIN_ONLY, PARTICIPANT_ROLES, OrganizationAPIMixin
from matching import pair_health
from matching import pair_lifecycle as lifecycle
from matching.api import PairSerializer
from matching.models import Pair, PairEvent, PairEventActor, PairEventKind
from matching.models import PairStatus as PairState
from programs.models import Cohort, Participant, ParticipantRole, ParticipantStatus

DATE_MESSAGE = "Give the date as a date, e.g. 2027-03-01."


# --- serializers -----------------------------------------------------------------------------

class HealthPersonSerializer(serializers.Serializer):
    participant_id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class PairHealthSerializer(serializers.Serializer):
    """One pair's health: lifecycle facts, counts and dates, never what the pair wrote."""

    id = serializers.IntegerField(source="pair_id", read_only=True)
    mentor = serializers.SerializerMethodField()
    mentee = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=PairState.choices, read_only=True,
                                     help_text="The pair's lifecycle state.")
    health = serializers.ChoiceField(source="health.status", read_only=True,
                                     choices=pair_health.health.CHOICES)
    health_label = serializers.CharField(source="health.label", read_only=True)
    reasons = serializers.ListField(source="health.reasons", child=serializers.CharField(),
                                    read_only=True, help_text="Why, in counts and days.")
    last_session = serializers.DateField(source="activity.last_session", read_only=True,
                                         allow_null=True)
    sessions_held = serializers.IntegerField(source="activity.sessions_held", read_only=True)
    sessions_expected = serializers.IntegerField(source="health.expected", read_only=True)
    days_since_last_session = serializers.IntegerField(
        source="health.days_since_last", read_only=True, allow_null=True,
        help_text="Days since the last session (or the start); null for an ended pair.")
    goals = serializers.IntegerField(source="activity.goals", read_only=True)
    goals_with_progress = serializers.IntegerField(source="activity.goals_with_progress",
                                                   read_only=True)
    goals_with_progress_percent = serializers.IntegerField(
        source="goal_share_percent", read_only=True, allow_null=True)
    open_commitments = serializers.IntegerField(source="activity.open_commitments",
                                                read_only=True)
    paused_until = serializers.DateField(read_only=True, allow_null=True)
    extended_until = serializers.DateField(read_only=True, allow_null=True)
    end_requested = serializers.BooleanField(read_only=True)
    ended_on = serializers.DateField(read_only=True, allow_null=True)
    end_reason = serializers.CharField(read_only=True, help_text="Empty unless ended.")
    nudged_this_week = serializers.BooleanField(read_only=True)

    def _person(self, row, side: str) -> dict:
        return {"participant_id": getattr(row, f"{side}_id"), "name": getattr(row, f"{side}_name")}

    @extend_schema_field(HealthPersonSerializer)
    def get_mentor(self, row) -> dict:
        return self._person(row, "mentor")

    @extend_schema_field(HealthPersonSerializer)
    def get_mentee(self, row) -> dict:
        return self._person(row, "mentee")


class PairEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.display_name", default=None, allow_null=True,
                                  read_only=True)
    kind = serializers.ChoiceField(choices=PairEventKind.choices, read_only=True)
    actor_role = serializers.ChoiceField(choices=PairEventActor.choices, read_only=True)
    reason = serializers.CharField(read_only=True,
                                   help_text="An end reason (ended, asked to end), or empty.")

    class Meta:
        model = PairEvent
        fields = ["id", "kind", "at", "actor", "actor_role", "reason", "note", "paused_until",
                  "extended_until", "data"]
        read_only_fields = fields


class PairHRSerializer(serializers.Serializer):
    """A pair for HR: its health and the history of its lifecycle."""

    pair = PairSerializer(read_only=True)
    health = PairHealthSerializer(read_only=True)
    history = PairEventSerializer(many=True, read_only=True)


class MyPairStateSerializer(serializers.ModelSerializer):
    """The signed-in person's pair after a change: its state, and their own request to end."""

    end_requested_by_me = serializers.SerializerMethodField()
    my_end_request_reason = serializers.SerializerMethodField()

    class Meta:
        model = Pair
        fields = ["id", "status", "paused_until", "extended_until", "end_requested_by_me",
                  "my_end_request_reason"]
        read_only_fields = fields

    def _mine(self, pair) -> bool:
        requester = pair.end_requested_by
        return requester is not None and requester.membership_id == \
            self.context["request"].membership.pk

    def get_end_requested_by_me(self, pair) -> bool:
        return self._mine(pair)

    def get_my_end_request_reason(self, pair) -> str:
        return pair.end_request_reason if self._mine(pair) else ""


class LifecycleNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 max_length=lifecycle.NOTE_MAX, trim_whitespace=True)


class LifecycleUntilSerializer(LifecycleNoteSerializer):
    until = serializers.DateField(error_messages={"invalid": DATE_MESSAGE,
                                                  "required": "Give the date."},
                                  help_text="A date, YYYY-MM-DD.")


class LifecycleReasonSerializer(LifecycleNoteSerializer):
    reason = serializers.CharField(
        max_length=24, help_text="One of: " + ", ".join(lifecycle.CHOSEN_END_REASONS)
        + " (other needs a note).")


class RepairRequestSerializer(LifecycleNoteSerializer):
    mentor = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Participant id of the new mentor for the pair's mentee (or null).")
    mentee = serializers.IntegerField(
        required=False, allow_null=True, default=None,
        help_text="Participant id of the new mentee for the pair's mentor (or null).")
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000,
        help_text="Needed when a new pair breaks a matching rule.")


class RepairAssessmentSerializer(serializers.Serializer):
    mentor = serializers.IntegerField(read_only=True, help_text="Participant id.")
    mentee = serializers.IntegerField(read_only=True, help_text="Participant id.")
    score = serializers.FloatField(read_only=True)
    components = serializers.DictField(child=serializers.FloatField(), read_only=True)
    explanation = serializers.ListField(child=serializers.CharField(), read_only=True)
    broken_rules = serializers.ListField(child=serializers.CharField(), read_only=True)


class RepairResultSerializer(serializers.Serializer):
    ended = PairSerializer(read_only=True)
    created = PairSerializer(many=True, read_only=True)


# --- pair health -------------------------------------------------------------------------------

HEALTH_PARAMETERS = [
    OpenApiParameter("health", str, enum=list(pair_health.HEALTH_FILTERS),
                     description="Only pairs with this health (or asked to end)."),
    OpenApiParameter("q", str, description="Mentor or mentee name (any case or accents) or "
                                           "email contains this."),
    OpenApiParameter("sort", str, enum=list(pair_health.SORTS),
                     description="Order; default: needs attention first."),
]


class HealthQuerySerializer(serializers.Serializer):
    health = serializers.ChoiceField(choices=list(pair_health.HEALTH_FILTERS), required=False,
                                     allow_blank=True, default="")
    q = serializers.CharField(required=False, allow_blank=True, default="", max_length=150)
    sort = serializers.ChoiceField(choices=list(pair_health.SORTS), required=False,
                                   default="attention")


class PairHealthListView(OrganizationAPIMixin, generics.ListAPIView):
    """Every pair of a cohort with its health (HR admins), 50 a page."""

    serializer_class = PairHealthSerializer
    allowed_roles = ADMIN_ONLY
    filter_backends: list = []
    queryset = Pair.objects.none()

    @extend_schema(parameters=HEALTH_PARAMETERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        cohort = get_object_or_404(Cohort.objects.select_related("organization"),
                                   pk=self.kwargs["cohort_pk"])
        query = HealthQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        filters = pair_health.HealthFilters(**query.validated_data)
        return pair_health.health_list(cohort=cohort, filters=filters).rows


# --- HR's actions on a pair ----------------------------------------------------------------------

class PairHRMixin(OrganizationAPIMixin):
    allowed_roles = ADMIN_ONLY
    queryset = Pair.objects.none()

    def get_pair(self) -> Pair:
        return get_object_or_404(Pair.objects.select_related(*lifecycle.PAIR_RELATED),
                                 pk=self.kwargs["pair_pk"])

    def hr_view(self, pair: Pair) -> Response:
        pair = pair_health.pair_for_hr(pair_pk=pair.pk)
        return Response(PairHRSerializer({
            "pair": pair, "health": pair_health.health_row(pair=pair),
            "history": pair_health.pair_history(pair=pair)}).data)


class PairHRDetailView(PairHRMixin, generics.GenericAPIView):
    serializer_class = PairHRSerializer

    @extend_schema(responses=PairHRSerializer,
                   description="A pair for HR: health (counts and dates) and history.")
    def get(self, request, *args, **kwargs):
        return self.hr_view(self.get_pair())


def _action(serializer_class, description: str, perform):
    """An HR action endpoint: validate the body, call the service, answer the pair."""

    class ActionView(PairHRMixin, generics.GenericAPIView):
        http_method_names = ["post", "options"]

        @extend_schema(request=serializer_class, responses=PairHRSerializer,
                       description=description)
        def post(self, request, *args, **kwargs):
            pair = self.get_pair()
            fields = {}
            if serializer_class is not None:
                data = serializer_class(data=request.data)
                data.is_valid(raise_exception=True)
                fields = data.validated_data
            perform(pair=pair, actor=request.user, **fields)
            return self.hr_view(pair)

    ActionView.serializer_class = serializer_class or PairHRSerializer
    return ActionView


PairPauseView = _action(
    LifecycleUntilSerializer, "Pause the pair until a return date (HR).",
    lambda **kw: lifecycle.pair_pause(as_admin=True, **kw))
PairResumeView = _action(
    LifecycleNoteSerializer, "Resume a paused pair now (HR).",
    lambda **kw: lifecycle.pair_resume(as_admin=True, **kw))
PairEndView = _action(LifecycleReasonSerializer, "End the pair with a reason.", lifecycle.pair_end)
PairConfirmEndView = _action(LifecycleNoteSerializer, "Confirm a request to end the pair: it ends "
                                             "with the reason asked.",
                             lifecycle.pair_confirm_end)
PairDeclineEndView = _action(LifecycleNoteSerializer, "Keep the pair going although one of them "
                                             "asked to end it (note required: they are told).",
                             lifecycle.pair_decline_end_request)
PairExtendView = _action(LifecycleUntilSerializer, "Let the pair go on past the cohort's end until "
                                          "a date; it is not closed when the cohort completes.",
                         lifecycle.pair_extend)
PairNudgeView = _action(None, "Email both people a reminder to meet (at "
                                                "most once a week per pair).",
                        lifecycle.pair_nudge)
for _view, _name in ((PairPauseView, "PairPauseView"), (PairResumeView, "PairResumeView"),
                     (PairEndView, "PairEndView"), (PairConfirmEndView, "PairConfirmEndView"),
                     (PairDeclineEndView, "PairDeclineEndView"),
                     (PairExtendView, "PairExtendView"), (PairNudgeView, "PairNudgeView")):
    _view.__name__ = _view.__qualname__ = _name


def _new_people(pair: Pair, data: dict) -> tuple[Participant | None, Participant | None]:
    people = []
    for role in (ParticipantRole.MENTOR, ParticipantRole.MENTEE):
        pk = data.get(role)
        if pk is None:
            people.append(None)
            continue
        person = Participant.objects.filter(cohort_id=pair.cohort_id, role=role,
                                            status=ParticipantStatus.ACTIVE, pk=pk) \
            .select_related("membership__user").first()
        if person is None:
            raise DjangoValidationError({role: f"No enrolled {role} of this cohort has the id "
                                               f"{pk}."})
        people.append(person)
    return people[0], people[1]


class PairRepairAssessView(PairHRMixin, generics.GenericAPIView):
    serializer_class = RepairRequestSerializer

    @extend_schema(request=RepairRequestSerializer, responses=RepairAssessmentSerializer(many=True),
                   description="The live score, explanation and broken rules of the new pairs "
                               "a re-pairing would create, as in the matching review. "
                               "Changes nothing.")
    def post(self, request, *args, **kwargs):
        pair = self.get_pair()
        data = RepairRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_mentor, new_mentee = _new_people(pair, data.validated_data)
        assessed = lifecycle.repair_assess(pair=pair, new_mentor=new_mentor,
                                           new_mentee=new_mentee)
        rows = [{"mentor": mentor.pk, "mentee": mentee.pk, "score": a.score,
                 "components": a.components, "explanation": a.explanation,
                 "broken_rules": a.broken_rules} for mentor, mentee, a in assessed]
        return Response(RepairAssessmentSerializer(rows, many=True).data)


class PairRepairView(PairHRMixin, generics.GenericAPIView):
    serializer_class = RepairRequestSerializer

    @extend_schema(request=RepairRequestSerializer, responses=RepairResultSerializer,
                   description="End the pair (re-paired) and pair each person again: the "
                               "mentee with `mentor`, the mentor with `mentee` (either may be "
                               "null, not both). A new pair that breaks a rule needs an "
                               "override reason. The new pairs are introduced by email.")
    def post(self, request, *args, **kwargs):
        pair = self.get_pair()
        data = RepairRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_mentor, new_mentee = _new_people(pair, data.validated_data)
        created = lifecycle.pair_repair(
            pair=pair, actor=request.user, new_mentor=new_mentor, new_mentee=new_mentee,
            override_reason=data.validated_data["override_reason"],
            note=data.validated_data["note"])
        people = ("cohort", "mentor__membership__user", "mentee__membership__user",
                  "mentor__profile__level", "mentee__profile__level")
        return Response(RepairResultSerializer({
            "ended": Pair.objects.select_related(*people).get(pk=pair.pk),
            "created": Pair.objects.select_related(*people).filter(
                pk__in=[p.pk for p in created]).order_by("pk")}).data)


# --- the people's own actions --------------------------------------------------------------------

class MyPairMixin(OrganizationAPIMixin):
    allowed_roles = PARTICIPANT_ROLES
    queryset = Pair.objects.none()

    def get_pair(self) -> Pair:
        """The pair only if the signed-in person is one of its two people (else 404)."""
        membership = self.request.membership
        return get_object_or_404(
            Pair.objects.select_related(*lifecycle.PAIR_RELATED).filter(
                Q(mentor__membership=membership) | Q(mentee__membership=membership)),
            pk=self.kwargs["pair_pk"])


def _my_action(serializer_class, description: str, perform, name: str):
    class MyActionView(MyPairMixin, generics.GenericAPIView):
        http_method_names = ["get", "head", "post", "options"]

        def state(self, pair: Pair) -> Response:
            pair = Pair.objects.select_related("end_requested_by").get(pk=pair.pk)
            return Response(MyPairStateSerializer(pair, context={"request": self.request}).data)

        @extend_schema(responses=MyPairStateSerializer,
                       description="Your pair's lifecycle state now (what this action "
                                   "changes). Changes nothing.")
        def get(self, request, *args, **kwargs):
            return self.state(self.get_pair())

        @extend_schema(request=serializer_class, responses=MyPairStateSerializer,
                       description=description)
        def post(self, request, *args, **kwargs):
            pair = self.get_pair()
            data = serializer_class(data=request.data)
            data.is_valid(raise_exception=True)
            perform(pair=pair, actor=request.user, **data.validated_data)
            return self.state(pair)

    MyActionView.serializer_class = serializer_class
    MyActionView.__name__ = MyActionView.__qualname__ = name
    return MyActionView


MyPairPauseView = _my_action(
    LifecycleUntilSerializer, "Pause your pair until a return date; your partner is told.",
    lifecycle.pair_pause, "MyPairPauseView")
MyPairResumeView = _my_action(LifecycleNoteSerializer, "Resume your paused pair now.",
                              lifecycle.pair_resume, "MyPairResumeView")
MyPairRequestEndView = _my_action(
    LifecycleReasonSerializer, "Ask HR to end your pair, with a reason (other needs a note). HR "
                      "confirms; your partner is not told the reason.",
    lifecycle.pair_request_end, "MyPairRequestEndView")
MyPairWithdrawEndRequestView = _my_action(
    LifecycleNoteSerializer, "Take back your request to end the pair.",
    lifecycle.pair_withdraw_end_request, "MyPairWithdrawEndRequestView")

