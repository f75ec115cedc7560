"""REST API for matching: runs (start, poll, cancel, retry, publish), proposals and admin
decisions on them, published pairs for HR admins, and each participant's own pairs.

Security boundary: every view uses :class:`OrganizationAPIMixin` (member of the org in the URL
or 404, role check or 403, tenant scope open for the handler), and every object is loaded
through the scoped managers, so another organization's ids are 404. Management endpoints are
for HR admins only; ``pairs/mine`` is for participants and returns only pairs the signed-in
user is in, with the partner's public profile (name, title, department, bio, topics and weekly
availability; never their email, manager, requests or exclusions) and friendly reasons for the
pairing (never the admin's scores, locks or rule overrides).

Views call the same services as the web pages and do not catch their ``ValidationError``: the
API's exception handler turns it into the one documented 400 shape (field keys kept,
``non_field_errors`` for the rest; see docs/api.md).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response

from accounts.permissions import ADMIN_ONLY, PARTICIPANT_ROLES, OrganizationAPIMixin
from matching import selectors
from matching.models import (
    DecisionKind,
    MatchingRun,
    Pair,
    PairDecision,
    PairStatus,
    Proposal,
    RunStatus,
)
from matching.services.decisions import decision_set, pair_assess, proposals_swap
from matching.services.publishing import run_publish
from matching.services.runs import run_cancel, run_retry, run_start
from programs.models import Cohort, Participant, ParticipantRole, TopicInterest

# --- serializers -----------------------------------------------------------------------------

class PersonSerializer(serializers.Serializer):
    """A participant as HR admins see them in matching: who, what, how senior."""

    participant_id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="membership.user.display_name")
    job_title = serializers.CharField(source="profile.job_title")
    department = serializers.CharField(source="profile.department")
    level = serializers.CharField(source="profile.level.name", default=None, allow_null=True)


class RunSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    started_by = serializers.CharField(source="started_by.display_name", default=None,
                                       allow_null=True, read_only=True)
    is_finished = serializers.BooleanField(read_only=True)

    class Meta:
        model = MatchingRun
        fields = ["id", "cohort", "number", "status", "stage", "stage_label", "progress",
                  "is_finished", "mentee_count", "mentor_count", "matched_count", "total_score",
                  "min_score", "topic_coverage", "unmatched", "spare_capacity", "stats",
                  "error", "attempts", "started_by", "created_at", "started_at", "finished_at",
                  "published_at"]
        read_only_fields = fields


class RunStartSerializer(serializers.Serializer):
    cohort = serializers.IntegerField(help_text="Id of a cohort in the matching phase.")

    def validate_cohort(self, value: int) -> Cohort:
        cohort = Cohort.objects.filter(pk=value).first()  # scoped: other tenants' ids are unknown
        if cohort is None:
            raise serializers.ValidationError("No cohort with this id.")
        return cohort


class DecisionSerializer(serializers.ModelSerializer):
    mentor = serializers.IntegerField(source="mentor_id", read_only=True)
    mentee = serializers.IntegerField(source="mentee_id", read_only=True)
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)

    class Meta:
        model = PairDecision
        fields = ["id", "cohort", "mentor", "mentee", "kind", "broken_rules", "override_reason",
                  "created_at"]
        read_only_fields = fields


class DecisionRequestSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000,
        help_text="Required to lock a pair that breaks a matching rule.")


class ProposalSerializer(serializers.ModelSerializer):
    mentor = PersonSerializer(read_only=True)
    mentee = PersonSerializer(read_only=True)
    decision = serializers.SerializerMethodField(
        help_text="The cohort's current decision on this pair: lock, reject or null.")

    class Meta:
        model = Proposal
        fields = ["id", "run", "mentor", "mentee", "score", "components", "explanation",
                  "locked", "decision"]
        read_only_fields = fields

    def get_decision(self, proposal) -> str | None:
        return getattr(proposal, "decision_kind", None)


class PublishResultSerializer(serializers.Serializer):
    pairs = serializers.IntegerField(help_text="How many pairs the run published.")
    run = RunSerializer()


class PairSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    run = serializers.IntegerField(source="run_id", read_only=True, allow_null=True)
    mentor = PersonSerializer(read_only=True)
    mentee = PersonSerializer(read_only=True)

    class Meta:
        model = Pair
        fields = ["id", "cohort", "run", "mentor", "mentee", "status", "score", "explanation",
                  "override_reason", "created_at", "ended_at"]
        read_only_fields = fields


class PartnerSerializer(serializers.Serializer):
    """The public part of a partner's profile."""

    name = serializers.CharField(source="membership.user.display_name")
    job_title = serializers.CharField(source="profile.job_title")
    department = serializers.CharField(source="profile.department")
    bio = serializers.CharField(source="profile.bio")
    teaches = serializers.SerializerMethodField()
    learns = serializers.SerializerMethodField()
    availability = serializers.SerializerMethodField(
        help_text='Weekly windows in the reader\'s time zone, e.g. "Monday 09:00–11:00".')

    def _topics(self, participant: Participant, interest: str) -> list[str]:
        return [t.topic.name for t in participant.topics.all() if t.interest == interest]

    def get_teaches(self, participant) -> list[str]:
        return self._topics(participant, TopicInterest.TEACH)

    def get_learns(self, participant) -> list[str]:
        return self._topics(participant, TopicInterest.LEARN)

    def get_availability(self, participant) -> list[str]:
        return self.context.get("availability", [])


class MyPairSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    program_name = serializers.CharField(source="cohort.program.name", read_only=True)
    my_role = serializers.SerializerMethodField()
    partner = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField(
        help_text="Why you were paired, in plain words and your own time zone.")

    class Meta:
        model = Pair
        fields = ["id", "cohort", "cohort_name", "program_name", "my_role", "partner",
                  "explanation", "created_at"]
        read_only_fields = fields

    def _is_mentor(self, pair: Pair) -> bool:
        return pair.mentor.membership.user_id == self.context["request"].user.pk

    def get_my_role(self, pair) -> str:
        return ParticipantRole.MENTOR if self._is_mentor(pair) else ParticipantRole.MENTEE

    def _people(self, pair: Pair) -> tuple[Participant, Participant]:
        return (pair.mentor, pair.mentee) if self._is_mentor(pair) else (pair.mentee, pair.mentor)

    def _default_tz(self) -> str:
        return self.context["request"].organization.time_zone

    @extend_schema_field(PartnerSerializer)
    def get_partner(self, pair) -> dict:
        me, partner = self._people(pair)
        availability = selectors.partner_availability(
            pair=pair, me=me, partner=partner, default_tz=self._default_tz())
        return PartnerSerializer(partner, context={"availability": availability}).data

    def get_explanation(self, pair) -> list[str]:
        me, partner = self._people(pair)
        return selectors.pair_reasons(
            pair=pair, me=me, partner=partner, my_topics=selectors.topic_rows(me),
            partner_topics=selectors.topic_rows(partner), default_tz=self._default_tz())


# --- runs ------------------------------------------------------------------------------------

# Filters are declared, not derived from Meta.fields: deriving them queries the scoped default
# manager at import time, outside any tenant scope.
class RunFilter(filters.FilterSet):
    cohort = filters.NumberFilter(field_name="cohort_id", help_text="Cohort id.")
    status = filters.ChoiceFilter(choices=RunStatus.choices)


class RunListView(OrganizationAPIMixin, generics.ListAPIView):
    """Matching runs of the organization (HR admins); poll one for status and progress."""

    serializer_class = RunSerializer
    allowed_roles = ADMIN_ONLY
    filterset_class = RunFilter
    queryset = MatchingRun.objects.none()

    def get_queryset(self):
        return selectors.runs_for_api()

    @extend_schema(request=RunStartSerializer, responses={202: RunSerializer},
                   description="Queue a matching run for a cohort in the matching phase. A run "
                               "already queued or running for the cohort is returned instead.")
    def post(self, request, *args, **kwargs):
        data = RunStartSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = run_start(cohort=data.validated_data["cohort"], actor=request.user)
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunMixin(OrganizationAPIMixin):
    allowed_roles = ADMIN_ONLY

    def get_run(self) -> MatchingRun:
        return get_object_or_404(selectors.runs_for_api(), pk=self.kwargs["run_pk"])


class RunDetailView(RunMixin, generics.GenericAPIView):
    serializer_class = RunSerializer
    queryset = MatchingRun.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(RunSerializer(self.get_run()).data)


class RunCancelView(RunMixin, generics.GenericAPIView):
    serializer_class = RunSerializer

    @extend_schema(request=None, responses=RunSerializer,
                   description="Stop a queued or running run; it saves no proposals.")
    def post(self, request, *args, **kwargs):
        run = run_cancel(run=self.get_run())
        return Response(RunSerializer(run).data)


class RunRetryView(RunMixin, generics.GenericAPIView):
    serializer_class = RunSerializer

    @extend_schema(request=None, responses={202: RunSerializer},
                   description="Queue a failed run (or one whose worker died) again.")
    def post(self, request, *args, **kwargs):
        run = run_retry(run=self.get_run())
        return Response(RunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


class RunPublishView(RunMixin, generics.GenericAPIView):
    serializer_class = PublishResultSerializer

    @extend_schema(request=None, responses=PublishResultSerializer,
                   description="Publish the run's pairs (minus rejected ones), activate the "
                               "cohort and introduce every pair by email. Publishing again "
                               "changes nothing.")
    def post(self, request, *args, **kwargs):
        run = self.get_run()
        pairs = run_publish(run=run, actor=request.user)
        run = self.get_run()
        return Response(PublishResultSerializer({"pairs": len(pairs), "run": run}).data)


# --- proposals and decisions -----------------------------------------------------------------

class ProposalFilter(filters.FilterSet):
    locked = filters.BooleanFilter(help_text="Only pairs kept from an earlier lock (or not).")


class ProposalListView(RunMixin, generics.ListAPIView):
    """A run's proposed pairs, best first, with score, components, explanation and the
    cohort's decision on each."""

    serializer_class = ProposalSerializer
    filterset_class = ProposalFilter
    queryset = Proposal.objects.none()

    def get_queryset(self):
        return selectors.proposals_with_decisions(run=self.get_run())


class ProposalDetailView(RunMixin, generics.GenericAPIView):
    serializer_class = ProposalSerializer
    queryset = Proposal.objects.none()

    def get_proposal(self) -> Proposal:
        return get_object_or_404(selectors.proposals_with_decisions(run=self.get_run()),
                                 pk=self.kwargs["proposal_pk"])

    def get(self, request, *args, **kwargs):
        return Response(ProposalSerializer(self.get_proposal()).data)


class ProposalDecideView(ProposalDetailView):
    kind: str = DecisionKind.LOCK
    serializer_class = DecisionRequestSerializer

    def post(self, request, *args, **kwargs):
        proposal = self.get_proposal()
        data = DecisionRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = proposal.run
        decision = decision_set(
            cohort=run.cohort, mentor=proposal.mentor, mentee=proposal.mentee,
            kind=self.kind, actor=request.user,
            override_reason=data.validated_data["override_reason"])
        return Response(DecisionSerializer(decision).data)


class ProposalLockView(ProposalDecideView):
    kind = DecisionKind.LOCK
    http_method_names = ["post", "options"]

    @extend_schema(request=DecisionRequestSerializer, responses=DecisionSerializer,
                   description="Keep this pair in every later run. A pair that breaks a rule "
                               "needs an override reason.")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class ProposalRejectView(ProposalDecideView):
    kind = DecisionKind.REJECT
    http_method_names = ["post", "options"]

    @extend_schema(request=DecisionRequestSerializer, responses=DecisionSerializer,
                   description="Never propose this pair again.")
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


# --- pairs -----------------------------------------------------------------------------------

class PairFilter(filters.FilterSet):
    cohort = filters.NumberFilter(field_name="cohort_id", help_text="Cohort id.")
    status = filters.ChoiceFilter(choices=PairStatus.choices)


class PairListView(OrganizationAPIMixin, generics.ListAPIView):
    """Published pairs of the organization (HR admins)."""

    serializer_class = PairSerializer
    allowed_roles = ADMIN_ONLY
    filterset_class = PairFilter
    queryset = Pair.objects.none()

    def get_queryset(self):
        return selectors.pairs_for_api()


class MyPairListView(OrganizationAPIMixin, generics.ListAPIView):
    """The signed-in participant's active pairs, with the partner's public profile."""

    serializer_class = MyPairSerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = Pair.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.pairs_of_user(user=self.request.user)


# --- swaps and manual pairs ------------------------------------------------------------------

class SwapRequestSerializer(serializers.Serializer):
    first = serializers.IntegerField(help_text="Id of a proposal of this run.")
    second = serializers.IntegerField(help_text="Id of another proposal of this run.")
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000,
        help_text="Required when a new pair breaks a matching rule.")


class ProposalSwapView(RunMixin, generics.GenericAPIView):
    serializer_class = SwapRequestSerializer
    queryset = Proposal.objects.none()

    @extend_schema(request=SwapRequestSerializer, responses=DecisionSerializer(many=True),
                   description="Exchange the mentors of two proposals and lock both new "
                               "pairs for the next run.")
    def post(self, request, *args, **kwargs):
        run = self.get_run()
        data = SwapRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        first = get_object_or_404(Proposal, run=run, pk=data.validated_data["first"])
        second = get_object_or_404(Proposal, run=run, pk=data.validated_data["second"])
        decisions = proposals_swap(
            run=run, first=first, second=second, actor=request.user,
            override_reason=data.validated_data["override_reason"])
        return Response(DecisionSerializer(decisions, many=True).data)


class PairRequestSerializer(serializers.Serializer):
    mentor = serializers.IntegerField(help_text="Participant id of a mentor of the cohort.")
    mentee = serializers.IntegerField(help_text="Participant id of a mentee of the cohort.")
    override_reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=1000,
        help_text="Required to lock a pair that breaks a matching rule.")


class AssessmentSerializer(serializers.Serializer):
    score = serializers.FloatField()
    components = serializers.DictField(child=serializers.FloatField())
    explanation = serializers.ListField(child=serializers.CharField())
    broken_rules = serializers.ListField(child=serializers.CharField())


class CohortPairMixin(OrganizationAPIMixin):
    allowed_roles = ADMIN_ONLY

    def pair_people(self) -> tuple[Cohort, Participant, Participant, dict]:
        cohort = get_object_or_404(Cohort, pk=self.kwargs["cohort_pk"])
        data = PairRequestSerializer(data=self.request.data)
        data.is_valid(raise_exception=True)
        people = {
            role: get_object_or_404(Participant, cohort=cohort, role=role,
                                    pk=data.validated_data[role])
            for role in (ParticipantRole.MENTOR, ParticipantRole.MENTEE)
        }
        return (cohort, people[ParticipantRole.MENTOR], people[ParticipantRole.MENTEE],
                data.validated_data)


class PairAssessView(CohortPairMixin, generics.GenericAPIView):
    serializer_class = PairRequestSerializer
    queryset = Participant.objects.none()

    @extend_schema(request=PairRequestSerializer, responses=AssessmentSerializer,
                   description="Live score, explanation and broken rules of any mentor–mentee "
                               "pair of the cohort (changes nothing).")
    def post(self, request, *args, **kwargs):
        cohort, mentor, mentee, _ = self.pair_people()
        assessment = pair_assess(cohort=cohort, mentor=mentor, mentee=mentee)
        return Response(AssessmentSerializer(assessment).data)


class PairLockView(CohortPairMixin, generics.GenericAPIView):
    serializer_class = PairRequestSerializer
    queryset = Participant.objects.none()

    @extend_schema(request=PairRequestSerializer, responses=DecisionSerializer,
                   description="Lock a manual pair: every later run keeps it. A pair that "
                               "breaks a rule needs an override reason.")
    def post(self, request, *args, **kwargs):
        cohort, mentor, mentee, data = self.pair_people()
        decision = decision_set(
            cohort=cohort, mentor=mentor, mentee=mentee, kind=DecisionKind.LOCK,
            actor=request.user, override_reason=data["override_reason"])
        return Response(DecisionSerializer(decision).data)
