"""REST API for programs, cohorts, topics, participants and the people invited into cohorts,
plus CSV import into a cohort.

Who may do what (enforced by ``OrganizationAPIMixin`` roles, then by the querysets):

- HR admins: everything (invitations into cohorts only they see, resend and withdraw).
- Executives: read programs and cohorts, which carry participant *counts* only; no topics
  writes, no participant data.
- Members: read topics (the taxonomy they pick from); list, read and update only their own
  places in cohorts (learning goals, capacity). Someone else's place is a 404.
"""

from __future__ import annotations

import django_filters
from django.db import transaction
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import DISPLAY_NAME_FIELDS, InvitationStatus, Role, display_name_of
from accounts.permissions import (
    ADMIN_AND_EXECUTIVE,
    ADMIN_ONLY,
    ALL_ROLES,
    PARTICIPANT_ROLES,
    OrganizationAPIMixin,
)
from accounts.selectors import invitation_status_condition
from core.api_schema import ErrorSerializer
from core.compiled import CompiledQuery
from core.pagination import KeysFirstPageNumberPagination
from programs import selectors, services
from programs.imports.services import (
    import_batch_upload_and_confirm,
    participants_import_csv,
)
from programs.languages import LANGUAGE_CHOICES
from programs.models import (
    Cohort,
    CohortInvitation,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    Program,
    Topic,
    TopicInterest,
)
from programs.selectors import CohortInvitationRow
from programs.services import participants as participant_services


class TenantPrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up in the current tenant scope at request time (a queryset built
    at import time would run outside any scope and fail closed)."""

    def __init__(self, model, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


# --- topics ----------------------------------------------------------------------------------

class TopicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["id", "name", "slug", "description", "is_retired", "merged_into"]
        read_only_fields = ["id", "slug", "merged_into"]


class TopicViewSet(OrganizationAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                   mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """The organization's topic taxonomy: everyone reads it, HR admins change it."""

    serializer_class = TopicSerializer
    allowed_roles = ALL_ROLES
    allowed_write_roles = ADMIN_ONLY
    queryset = Topic.objects.none()
    filterset_fields = ["is_retired"]

    def get_queryset(self):
        return selectors.topics_for_api()

    def perform_create(self, serializer):
        data = serializer.validated_data
        topic = services.topic_create(organization=self.request.organization,
                                      name=data["name"], description=data.get("description", ""))
        if data.get("is_retired"):
            services.topic_set_retired(topic=topic, retired=True)
        serializer.instance = topic

    def perform_update(self, serializer):
        topic, data = serializer.instance, serializer.validated_data
        with transaction.atomic():
            if "name" in data and data["name"] != topic.name:
                services.topic_rename(topic=topic, name=data["name"])
            if "is_retired" in data and data["is_retired"] != topic.is_retired:
                services.topic_set_retired(topic=topic, retired=data["is_retired"])


# --- programs --------------------------------------------------------------------------------

class ProgramSerializer(serializers.ModelSerializer):
    focus_areas = TenantPrimaryKeyField(Topic, many=True, required=False)
    cohort_count = serializers.IntegerField(read_only=True)
    template_key = serializers.CharField(
        required=False, allow_blank=True,
        help_text="On create: a built-in template to pre-fill objectives, guidelines, prompts "
                  "and resources.")

    class Meta:
        model = Program
        fields = ["id", "name", "slug", "purpose", "objectives", "guidelines",
                  "confidentiality_statement", "focus_areas", "template_key", "is_archived",
                  "cohort_count", "created_at"]
        read_only_fields = ["id", "slug", "cohort_count", "created_at"]
        extra_kwargs = {"purpose": {"required": False}}

    def validate_objectives(self, value):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise serializers.ValidationError("Give the objectives as a list of sentences.")
        for number, objective in enumerate(value, start=1):
            if "\x00" in objective:
                raise serializers.ValidationError(
                    f"Objective {number} contains a NUL character; remove it.")
        return value


class ProgramViewSet(OrganizationAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                     mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Programs: HR admins manage them; executives read them."""

    serializer_class = ProgramSerializer
    allowed_roles = ADMIN_AND_EXECUTIVE
    allowed_write_roles = ADMIN_ONLY
    queryset = Program.objects.none()
    filterset_fields = ["is_archived"]

    def get_queryset(self):
        return selectors.programs_for_api()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        focus_areas = data.pop("focus_areas", None)
        with transaction.atomic():
            program = services.program_create(
                organization=self.request.organization, actor=self.request.user,
                name=data["name"], purpose=data.get("purpose", ""),
                template_key=data.get("template_key", ""))
            extra = {k: v for k, v in data.items()
                     if k in ("objectives", "guidelines", "confidentiality_statement")}
            if extra or focus_areas is not None:
                program = services.program_update(program=program,
                                                  focus_areas=focus_areas, **extra)
        serializer.instance = selectors.programs_for_api().get(pk=program.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("template_key", None)
        focus_areas = data.pop("focus_areas", None)
        services.program_update(program=serializer.instance, focus_areas=focus_areas, **data)
        serializer.instance = selectors.programs_for_api().get(pk=serializer.instance.pk)


# --- cohorts ---------------------------------------------------------------------------------

class CohortSerializer(serializers.ModelSerializer):
    program = TenantPrimaryKeyField(Program)
    mentor_count = serializers.IntegerField(read_only=True)
    mentee_count = serializers.IntegerField(read_only=True)
    applied_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Cohort
        fields = ["id", "program", "name", "slug", "status", "start_date", "end_date",
                  "cadence_days", "session_minutes", "default_mentor_capacity",
                  "min_seniority_gap", "allow_same_department", "language_must_match",
                  "manager_chain_depth", "matching_mode", "fairness", "spread_load",
                  "enrollment_opens",
                  "enrollment_closes", "mentor_count", "mentee_count", "applied_count",
                  "created_at"]
        read_only_fields = ["id", "slug", "status", "mentor_count", "mentee_count",
                            "applied_count", "created_at"]

    def validate_program(self, value):
        if self.instance is not None and value.pk != self.instance.program_id:
            raise serializers.ValidationError("A cohort cannot move to another program.")
        return value


class CohortViewSet(OrganizationAPIMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                    mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Cohorts with participant counts: HR admins manage them (and import participants);
    executives read the counts."""

    serializer_class = CohortSerializer
    allowed_roles = ADMIN_AND_EXECUTIVE
    allowed_write_roles = ADMIN_ONLY
    queryset = Cohort.objects.none()
    filterset_fields = ["program", "status"]

    def get_queryset(self):
        return selectors.cohorts_for_api()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        cohort = services.cohort_create(program=data.pop("program"), **data)
        serializer.instance = selectors.cohorts_for_api().get(pk=cohort.pk)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("program", None)
        services.cohort_update(cohort=serializer.instance, **data)
        serializer.instance = selectors.cohorts_for_api().get(pk=serializer.instance.pk)

    @extend_schema(
        request={"multipart/form-data": inline_serializer("ParticipantImportRequest", {
            "file": serializers.FileField(help_text="UTF-8 CSV, one row per person."),
            "dry_run": serializers.BooleanField(
                default=False, help_text="Only check the file; write nothing."),
        })},
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        description=(
            "Import participants from CSV, all or nothing. Columns: email, name, role "
            "(mentor/mentee), title, department, level, manager email, time zone, languages "
            "(names or codes, e.g. German;pt-BR), teach topics, learn topics. 200 with a "
            "summary when the file is valid (imported unless dry_run); 400 with every problem "
            "(row, field, column, value, message) and nothing written otherwise. A Windows-1252 "
            "file is converted (a warning says so). Summary: new_people are not members of "
            "the organization and are invited into the cohort (an invitation email; they "
            "become participants when they accept, whatever account they have or create), "
            "enrolled are members given a place now (a welcome email), updated and unchanged "
            "are places or open invitations the file changes or not. Nothing in the answer "
            "depends on whether an address has an account elsewhere. Emails are sent after "
            "the response."),
    )
    @action(detail=True, methods=["post"], url_path="import", url_name="import",
            parser_classes=[MultiPartParser, FormParser])
    def import_participants(self, request, org_slug=None, pk=None):
        cohort = self.get_object()
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Attach the CSV file as “file”."]})
        dry_run = serializers.BooleanField().to_internal_value(
            request.data.get("dry_run", False))
        if dry_run:
            report = participants_import_csv(cohort=cohort, file=upload, actor=request.user,
                                             dry_run=True, filename=upload.name[:255])
        else:  # kept as an import batch, like an upload on the web, and imported from it
            _, report = import_batch_upload_and_confirm(
                cohort=cohort, file=upload, actor=request.user, filename=upload.name[:255])
        return Response(report.as_dict(),
                        status=status.HTTP_200_OK if report.ok else status.HTTP_400_BAD_REQUEST)


# --- participants ----------------------------------------------------------------------------

class ParticipantTopicSerializer(serializers.Serializer):
    topic = serializers.IntegerField(source="topic_id")
    name = serializers.CharField(source="topic.name")
    strength = serializers.IntegerField()


class ParticipantSerializer(serializers.ModelSerializer):
    """A place in a cohort with the person's profile (read-only here) and topics."""

    cohort = TenantPrimaryKeyField(Cohort)
    email = serializers.EmailField(
        source="membership.user.email",
        help_text="On create: an existing member of the organization (invite or import new "
                  "people).")
    name = serializers.CharField(source="membership.user.display_name", read_only=True)
    job_title = serializers.CharField(source="profile.job_title", read_only=True)
    department = serializers.CharField(source="profile.department", read_only=True)
    # A method field: a dotted source with a default is skipped on PATCH (partial), so the
    # response would lack a field the schema promises.
    level = serializers.SerializerMethodField()
    time_zone = serializers.CharField(source="profile.time_zone", read_only=True)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), source="profile.languages",
        read_only=True, help_text="Language tags (programs/languages.py): ISO 639-1 codes, a "
                                  "few ISO 639-3 ones, optionally with a region or script "
                                  "(pt-br, zh-hans).")
    teach_topics = serializers.SerializerMethodField()
    learn_topics = serializers.SerializerMethodField()

    class Meta:
        model = Participant
        fields = ["id", "cohort", "email", "name", "role", "status", "capacity",
                  "learning_goals", "completeness", "job_title", "department", "level",
                  "time_zone", "languages", "teach_topics", "learn_topics", "created_at",
                  "updated_at"]
        read_only_fields = ["id", "completeness", "created_at", "updated_at"]
        extra_kwargs = {"status": {"required": False}}

    @staticmethod
    def _topics(participant, interest) -> list[dict]:
        # What ParticipantTopicSerializer writes, without building two serializers per row
        # (a page of 500 would build a thousand).
        return [{"topic": t.topic_id, "name": t.topic.name, "strength": t.strength}
                for t in participant.topics.all() if t.interest == interest]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_level(self, participant) -> str | None:
        level = participant.profile.level if participant.profile_id else None
        return level.name if level else None

    @extend_schema_field(ParticipantTopicSerializer(many=True))
    def get_teach_topics(self, participant) -> list[dict]:
        return self._topics(participant, TopicInterest.TEACH)

    @extend_schema_field(ParticipantTopicSerializer(many=True))
    def get_learn_topics(self, participant) -> list[dict]:
        return self._topics(participant, TopicInterest.LEARN)

    def validate(self, attrs):
        if self.instance is not None:
            if "cohort" in attrs and attrs["cohort"].pk != self.instance.cohort_id:
                raise serializers.ValidationError({"cohort": [
                    "A place cannot move to another cohort; enroll the person there."]})
            email = attrs.get("membership", {}).get("user", {}).get("email")
            if email and email.lower() != self.instance.membership.user.email.lower():
                raise serializers.ValidationError({"email": [
                    "A place cannot move to another person."]})
        elif attrs.get("status", ParticipantStatus.ACTIVE) not in (
                ParticipantStatus.ACTIVE, ParticipantStatus.APPLIED):
            raise serializers.ValidationError({"status": ["A new place is active or applied."]})
        return attrs


#: What the list shows of each participant, as plain values: the fields ParticipantSerializer
#: reads from participants_for_api()'s instances, in its order of fields.
_LIST_COLUMNS = ("pk", "cohort_id", "membership__user__email",
                 *(f"membership__user__{name}" for name in DISPLAY_NAME_FIELDS),
                 "role", "status", "capacity", "learning_goals", "completeness",
                 "profile__job_title", "profile__department", "profile__level__name",
                 "profile__time_zone", "profile__languages", "created_at", "updated_at")
_list_rows = CompiledQuery(
    lambda pks: Participant.objects.filter(pk__in=pks).order_by().values_list(*_LIST_COLUMNS),
    pks=list)
#: The participants' topics, each participant's in the prefetch's order (ParticipantTopic's
#: ordering; by participant id, as the rows are grouped by it: no join for the people's order).
_list_topics = CompiledQuery(
    lambda pks: ParticipantTopic.objects.filter(participant_id__in=pks)
    .order_by("participant_id", "interest", "-strength", "topic__name")
    .values_list("participant_id", "interest", "topic_id", "topic__name", "strength"),
    pks=list)


def participant_list_data(serializer: ParticipantSerializer, keys: list[int]) -> list[dict]:
    """What ``serializer`` (many) writes for the participants ``keys`` (a page of the list,
    already filtered and in the tenant scope), in that order: from two queries compiled once
    (core.compiled) as plain values instead of a thousand model instances (people, profiles,
    levels, topic rows and topics) and a field object per value. The dates go through the
    serializer's own fields; tests/programs/test_api_participant_list.py holds the two equal."""
    if not keys:
        return []
    topics: dict[int, dict[str, list[dict]]] = {}
    for participant_id, interest, topic_id, name, strength in _list_topics(pks=keys):
        topics.setdefault(participant_id, {}).setdefault(interest, []).append(
            {"topic": topic_id, "name": name, "strength": strength})
    created, updated = serializer.fields["created_at"], serializer.fields["updated_at"]
    found = {}
    for (pk, cohort_id, email, full_name, first_name, last_name, user_email, role, status_,
         capacity, learning_goals, completeness, job_title, department, level, time_zone,
         languages, created_at, updated_at) in _list_rows(pks=keys):
        mine = topics.get(pk, {})
        found[pk] = {
            "id": pk, "cohort": cohort_id, "email": email,
            "name": display_name_of(full_name, first_name, last_name, user_email),
            "role": role, "status": status_, "capacity": capacity,
            "learning_goals": learning_goals, "completeness": completeness,
            "job_title": job_title, "department": department, "level": level,
            "time_zone": time_zone, "languages": list(languages),
            "teach_topics": mine.get(TopicInterest.TEACH, []),
            "learn_topics": mine.get(TopicInterest.LEARN, []),
            "created_at": created.to_representation(created_at),
            "updated_at": updated.to_representation(updated_at),
        }
    return [found[key] for key in keys if key in found]


class OwnParticipantSerializer(ParticipantSerializer):
    """What a member may change about their own place: capacity and learning goals."""

    WRITABLE = ("capacity", "learning_goals")

    def get_fields(self):
        fields = super().get_fields()
        for name, field_ in fields.items():
            if name not in self.WRITABLE:
                field_.read_only, field_.required = True, False
        return fields


class ParticipantFilter(django_filters.FilterSet):
    role = django_filters.ChoiceFilter(choices=ParticipantRole.choices)
    status = django_filters.ChoiceFilter(choices=ParticipantStatus.choices)
    department = django_filters.CharFilter(field_name="profile__department",
                                           lookup_expr="iexact")
    cohort = django_filters.NumberFilter(field_name="cohort_id")
    email = django_filters.CharFilter(
        field_name="membership__user__email", lookup_expr="iexact",
        label="The person's email address, exactly (in any case): an HR sync's lookup.")
    search = django_filters.CharFilter(
        method="filter_search",
        label="Name or email contains this text, in any case and with or without accents "
              "(\"zoe\" finds \"Zoë\", \"lukasz\" finds \"Łukasz\").")

    class Meta:
        model = Participant
        fields = ["cohort", "role", "status", "department", "email", "search"]

    def filter_search(self, queryset, name, value):
        return queryset.filter(selectors.people_search(value)) if value.strip() else queryset


class ParticipantPagination(KeysFirstPageNumberPagination, PageNumberPagination):
    """50 a page by default; ``page_size`` up to 500 so that a sync reads 10,000 people in 20
    requests. Larger values are capped at 500, invalid ones give the default. The page's keys
    come first (with the total), then its people by key (core.pagination)."""

    page_size = 50
    page_size_query_param = "page_size"
    page_size_query_description = "Results per page: 1 to 500 (larger values count as 500)."
    max_page_size = 500

    def rows_of_keys(self, queryset, keys: list) -> list:
        return keys  # the list reads its rows itself (participant_list_data)


class ParticipantViewSet(OrganizationAPIMixin, mixins.ListModelMixin,
                         mixins.RetrieveModelMixin, mixins.CreateModelMixin,
                         mixins.UpdateModelMixin, viewsets.GenericViewSet):
    """Places in cohorts. HR admins see and manage everyone; a member sees and updates only
    their own places (learning goals, capacity); executives see no participant data."""

    serializer_class = ParticipantSerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = Participant.objects.none()
    filterset_class = ParticipantFilter
    pagination_class = ParticipantPagination

    @property
    def is_admin(self) -> bool:
        return self.request.membership.role == Role.ADMIN

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Participant.objects.none()
        if self.is_admin:
            return selectors.participants_for_api()
        return selectors.participants_for_api(membership=self.request.membership)

    def get_serializer_class(self):
        if getattr(self, "swagger_fake_view", False) or self.is_admin:
            return ParticipantSerializer
        return OwnParticipantSerializer

    def list(self, request, *args, **kwargs):
        keys = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(participant_list_data(self.get_serializer(), keys))

    def create(self, request, *args, **kwargs):
        if not self.is_admin:
            raise exceptions.PermissionDenied("Only HR admins enroll people.")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        participant = participant_services.participant_enroll_by_email(
            cohort=data["cohort"], email=data["membership"]["user"]["email"],
            role=data["role"], actor=self.request.user,
            status=data.get("status", ParticipantStatus.ACTIVE), capacity=data.get("capacity"),
            learning_goals=data.get("learning_goals", ""))
        serializer.instance = selectors.participants_for_api().get(pk=participant.pk)

    def perform_update(self, serializer):
        data = serializer.validated_data
        participant = serializer.instance
        fields = {key: data[key] for key in ("role", "status", "capacity", "learning_goals")
                  if key in data}
        participant_services.participant_update(participant=participant,
                                                actor=self.request.user, **fields)
        serializer.instance = self.get_queryset().get(pk=participant.pk)


# --- invitations into cohorts ------------------------------------------------------------------

class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The object's state does not allow this."
    default_code = "conflict"


class CohortInvitationSerializer(serializers.Serializer):
    """Someone invited into a cohort who has not necessarily signed in: what the organization
    said about them (an import's cells, or the invite form's role), the invitation's address,
    status and dates. Nothing about any account (whether the address has one, anywhere): an
    item reads the same for a new address and for someone known elsewhere."""

    # Read-only. The fields declare the shape (the schema); to_representation writes it
    # straight from a selectors.CohortInvitationRow, one dictionary per row and no field
    # object per value (a page holds up to 500).

    id = serializers.IntegerField(read_only=True)
    cohort = serializers.IntegerField(read_only=True, help_text="The cohort's id.")
    role = serializers.ChoiceField(choices=ParticipantRole.choices, read_only=True,
                                   help_text="The place they take when they accept.")
    email = serializers.EmailField(read_only=True, help_text="The invited address.")
    name = serializers.CharField(read_only=True,
                                 help_text="As the organization gave it (blank if none).")
    job_title = serializers.CharField(read_only=True)
    department = serializers.CharField(read_only=True)
    level = serializers.CharField(read_only=True, allow_null=True,
                                  help_text="The seniority level's name, or null.")
    manager_email = serializers.CharField(read_only=True,
                                          help_text="The manager's address, or blank.")
    time_zone = serializers.CharField(read_only=True)
    languages = serializers.ListField(
        child=serializers.ChoiceField(choices=LANGUAGE_CHOICES), read_only=True,
        help_text="Language tags, as on participants.")
    completeness = serializers.IntegerField(
        read_only=True, help_text="How complete their profile will be when they accept "
                                  "(percent), from what the organization said.")
    teach_topics = ParticipantTopicSerializer(many=True, read_only=True)
    learn_topics = ParticipantTopicSerializer(many=True, read_only=True)
    status = serializers.ChoiceField(
        choices=InvitationStatus.choices, read_only=True,
        help_text="pending: the link works; expired: unanswered past expires_at (resend it); "
                  "accepted: they are a participant now (see participants/); revoked: "
                  "withdrawn or replaced by a newer invitation.")
    created_at = serializers.DateTimeField(read_only=True)
    expires_at = serializers.DateTimeField(read_only=True)
    accepted_at = serializers.DateTimeField(read_only=True, allow_null=True)

    def to_representation(self, row: CohortInvitationRow) -> dict:
        dates = self.fields["created_at"]
        return {
            "id": row.pk, "cohort": row.cohort_id, "role": row.role, "email": row.email,
            "name": row.name, "job_title": row.job_title, "department": row.department,
            "level": row.level, "manager_email": row.manager_email,
            "time_zone": row.time_zone, "languages": row.languages,
            "completeness": row.completeness, "teach_topics": row.teach_topics,
            "learn_topics": row.learn_topics, "status": str(row.status),
            "created_at": dates.to_representation(row.created_at),
            "expires_at": dates.to_representation(row.expires_at),
            "accepted_at": (dates.to_representation(row.accepted_at)
                            if row.accepted_at is not None else None),
        }


class CohortInvitationFilter(django_filters.FilterSet):
    cohort = django_filters.NumberFilter(field_name="cohort_id")
    role = django_filters.ChoiceFilter(choices=ParticipantRole.choices)
    email = django_filters.CharFilter(
        field_name="invitation__email", lookup_expr="iexact",
        label="The invited address, exactly (in any case): an HR sync's lookup.")
    search = django_filters.CharFilter(
        method="filter_search",
        label="Name or address contains this text, in any case and with or without accents "
              "(\"zoe\" finds \"Zoë\", \"lukasz\" finds \"Łukasz\").")
    status = django_filters.ChoiceFilter(
        choices=InvitationStatus.choices, method="filter_status",
        label="Only invitations in this status (all of them without it).")

    class Meta:
        model = CohortInvitation
        fields = ["cohort", "role", "email", "search", "status"]

    def filter_search(self, queryset, name, value):
        return (queryset.filter(selectors.cohort_invitations_search(value)) if value.strip()
                else queryset)

    def filter_status(self, queryset, name, value):
        return queryset.filter(invitation_status_condition(value, prefix="invitation__"))


_CONFLICT = OpenApiResponse(ErrorSerializer, description=(
    "The invitation's state does not allow this (accepted, withdrawn, its cohort closed, or "
    "a link sent less than 10 minutes ago): the detail says which and what to do instead."))


@extend_schema_view(
    list=extend_schema(description=(
        "People invited into cohorts (by an import or the invite form) and what the "
        "organization said about them, whether or not they have signed in since: pending, "
        "expired, accepted and withdrawn invitations (filter with status). HR admins only. "
        "Nothing in an item depends on whether the address has an account anywhere.")),
    retrieve=extend_schema(description="One invitation into a cohort (as in the list)."),
)
class CohortInvitationViewSet(OrganizationAPIMixin, mixins.ListModelMixin,
                              mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                              viewsets.GenericViewSet):
    """People invited into cohorts (by an import or the invite form), whether or not they
    have signed in since: HR admins (and their API tokens) only, like the participants of
    others. Resend emails a fresh link; DELETE withdraws the invitation.

    Security boundary: rows come from the tenant scope only (another organization's id is
    the same 404 as a missing one), and each item is built from the organization's own
    invitation (selectors.cohort_invitation_rows), never from an account."""

    serializer_class = CohortInvitationSerializer
    allowed_roles = ADMIN_ONLY
    queryset = CohortInvitation.objects.none()
    filterset_class = CohortInvitationFilter
    pagination_class = ParticipantPagination

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CohortInvitation.objects.none()
        return selectors.cohort_invitations_list()

    def _item(self, place: CohortInvitation) -> dict:
        return self.get_serializer(selectors.cohort_invitation_rows(keys=[place.pk])[0]).data

    def list(self, request, *args, **kwargs):
        keys = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = selectors.cohort_invitation_rows(keys=keys)
        return self.get_paginated_response(self.get_serializer(rows, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        return Response(self._item(self.get_object()))

    @extend_schema(
        request=None,
        responses={202: CohortInvitationSerializer, 409: _CONFLICT},
        description=(
            "Email the person a fresh link: the invitation gets a new token and expiry (the "
            "earlier link stops working), whether it is pending or expired, and the cohort "
            "invitation email goes out again to the address. 202 with the invitation "
            "(status pending, the new expires_at). 409 for an accepted or withdrawn "
            "invitation, a cohort that is completed or archived, or within 10 minutes of the "
            "invitation's last email; the detail says which."),
    )
    @action(detail=True, methods=["post"], url_path="resend", url_name="resend")
    def resend(self, request, org_slug=None, pk=None):
        place = self.get_object()
        try:
            participant_services.cohort_invitation_resend(place=place, actor=request.user)
        except participant_services.CohortInvitationConflict as error:
            raise Conflict(str(error)) from error
        return Response(self._item(place), status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={204: None, 409: _CONFLICT})
    def destroy(self, request, *args, **kwargs):
        """Withdraw the invitation: its link stops working and the person leaves the cohort's
        invited people (204; again on a withdrawn one). 409 for an accepted one: the person
        is a participant now."""
        place = self.get_object()
        try:
            participant_services.cohort_invitation_withdraw(place=place)
        except participant_services.CohortInvitationConflict as error:
            raise Conflict(str(error)) from error
        return Response(status=status.HTTP_204_NO_CONTENT)
