"""REST API of the pair's workspace for the signed-in participant (``/api/v1/o/<org>/…``):
their pairs, sessions (schedule, reschedule, cancel, log), suggested times, action items,
goals and their updates, commitments and their outcome, and their own private notes.

Security boundary: every view uses :class:`OrganizationAPIMixin` (member of the org or 404,
a participant role or 403, tenant scope open) and loads the pair through
:func:`sessions.selectors.pair_of_member`, so only its two people reach it (anyone else,
HR admins included, gets 404). Children are loaded through the pair. Private notes are read
and written for the signed-in author only, ratings likewise; a commitment is visible to its
owner and, when shared, to the partner. Services raise Django ``ValidationError`` and the
project's exception handler turns it into a 400 with the same messages as the web pages.
"""

from __future__ import annotations

from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.response import Response

from accounts.permissions import PARTICIPANT_ROLES, OrganizationAPIMixin
from matching.models import Pair
from programs.models import Participant, Topic
from sessions import selectors, services
from sessions.models import (
    ANSWER_CHOICES,
    LOGGED_STATUS_CHOICES,
    MAX_ACTUAL_MINUTES,
    MAX_SESSION_MINUTES,
    MIN_SESSION_MINUTES,
    ActionItem,
    Commitment,
    CommitmentOutcome,
    Goal,
    GoalStatus,
    GoalUpdate,
    MentoringSession,
    PairSide,
    PrivateNote,
    SessionFormat,
    validate_https,
)

SIDES = PairSide.choices


def _side(pair: Pair, participant_id: int | None) -> str | None:
    if participant_id is None:
        return None
    return "mentor" if participant_id == pair.mentor_id else "mentee"


class PairSideMixin:
    """Serializers that name a person of the pair as "mentor" or "mentee" (the pair comes in
    the serializer context: no query per row)."""

    def side(self, participant_id: int | None) -> str | None:
        return _side(self.context["pair"], participant_id)


# --- serializers -----------------------------------------------------------------------------

class WorkspacePartnerSerializer(serializers.Serializer):
    name = serializers.CharField()
    role = serializers.CharField()
    job_title = serializers.CharField()
    department = serializers.CharField()
    bio = serializers.CharField()
    teaches = serializers.ListField(child=serializers.CharField())
    learns = serializers.ListField(child=serializers.CharField())
    availability = serializers.ListField(
        child=serializers.CharField(),
        help_text='Weekly windows in the reader\'s time zone, e.g. "Monday 09:00–11:00".')
    time_zone = serializers.CharField()


class WorkspacePairSerializer(serializers.ModelSerializer):
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    cohort_name = serializers.CharField(source="cohort.name", read_only=True)
    program_name = serializers.CharField(source="cohort.program.name", read_only=True)
    my_role = serializers.SerializerMethodField()
    writable = serializers.SerializerMethodField(
        help_text="Whether the pair can still be changed (active).")
    partner = serializers.SerializerMethodField()
    time_zone = serializers.SerializerMethodField(help_text="The reader's own time zone.")

    class Meta:
        model = Pair
        fields = ["id", "status", "cohort", "cohort_name", "program_name", "my_role",
                  "writable", "time_zone", "partner", "created_at"]
        read_only_fields = fields

    def _membership(self):
        return self.context["request"].membership

    def get_my_role(self, pair) -> str:
        return selectors.me_in(pair, self._membership()).role

    def get_writable(self, pair) -> bool:
        return selectors.pair_is_writable(pair)

    def get_time_zone(self, pair) -> str:
        return selectors.time_zone_of(selectors.me_in(pair, self._membership()),
                                      pair.cohort.organization)

    @extend_schema_field(WorkspacePartnerSerializer)
    def get_partner(self, pair) -> dict:
        card = selectors.partner_card(pair=pair, membership=self._membership())
        return WorkspacePartnerSerializer(card).data


class SessionSerializer(PairSideMixin, serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", read_only=True)
    meeting_url = serializers.CharField(read_only=True, help_text="https:// link, or empty.")
    ends_at = serializers.DateTimeField(read_only=True)
    cancelled_by = serializers.SerializerMethodField(
        help_text="mentor or mentee (null unless cancelled).")
    topics = serializers.SerializerMethodField(help_text="Ids of the topics covered.")
    topic_names = serializers.SerializerMethodField()
    my_rating = serializers.SerializerMethodField(
        help_text="The reader's own 1–5 rating (null if none); nobody else's is shown.")

    class Meta:
        model = MentoringSession
        fields = ["id", "pair", "starts_at", "ends_at", "duration_minutes", "format",
                  "location", "meeting_url", "agenda", "status", "was_scheduled",
                  "cancelled_by", "cancel_reason", "actual_minutes", "topics", "topic_names",
                  "summary", "sequence", "my_rating", "logged_at", "created_at", "updated_at"]
        read_only_fields = fields

    def get_cancelled_by(self, session) -> str | None:
        return self.side(session.cancelled_by_id)

    def get_topics(self, session) -> list[int]:
        return [link.topic_id for link in session.session_topics.all()]

    def get_topic_names(self, session) -> list[str]:
        return [link.topic.name for link in session.session_topics.all()]

    def get_my_rating(self, session) -> int | None:
        return self.context.get("ratings", {}).get(session.pk)


class SessionTimeSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(help_text="Start, ISO 8601 with an offset (UTC "
                                                    "is fine).")
    duration_minutes = serializers.IntegerField(min_value=MIN_SESSION_MINUTES,
                                                max_value=MAX_SESSION_MINUTES)
    from_suggestion = serializers.BooleanField(
        default=False, help_text="The time was one of GET …/slots/: it is refused if no "
                                 "longer free for both.")


class SessionDetailsSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=SessionFormat.choices, default=SessionFormat.VIDEO)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True,
                                     default="")
    meeting_url = serializers.URLField(max_length=500, required=False, allow_blank=True,
                                       default="", validators=[validate_https])
    agenda = serializers.CharField(max_length=5000, required=False, allow_blank=True,
                                   default="", help_text="Markdown.")


class SessionCreateSerializer(SessionTimeSerializer, SessionDetailsSerializer):
    pass


class SessionChangeSerializer(serializers.Serializer):
    """Every field optional: a new time or length reschedules (updated invitation), the
    details change format, place, link and agenda."""

    starts_at = serializers.DateTimeField(required=False)
    duration_minutes = serializers.IntegerField(min_value=MIN_SESSION_MINUTES,
                                                max_value=MAX_SESSION_MINUTES, required=False)
    from_suggestion = serializers.BooleanField(default=False)
    format = serializers.ChoiceField(choices=SessionFormat.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    meeting_url = serializers.URLField(max_length=500, required=False, allow_blank=True,
                                       validators=[validate_https])
    agenda = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class LogSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LOGGED_STATUS_CHOICES)
    actual_minutes = serializers.IntegerField(min_value=1, max_value=MAX_ACTUAL_MINUTES,
                                              required=False, allow_null=True, default=None)
    topics = serializers.ListField(child=serializers.IntegerField(), required=False,
                                   default=list, max_length=50,
                                   help_text="Ids of topics of the organization.")
    summary = serializers.CharField(max_length=10000, required=False, allow_blank=True,
                                    default="", help_text="Shared by both (Markdown).")
    cancelled_by = serializers.ChoiceField(choices=SIDES, required=False, allow_null=True,
                                           default=None)
    rating = serializers.IntegerField(min_value=1, max_value=5, required=False,
                                      allow_null=True, default=None,
                                      help_text="Your own rating; nobody else sees it.")


class PastSessionSerializer(LogSerializer):
    starts_at = serializers.DateTimeField()
    duration_minutes = serializers.IntegerField(min_value=MIN_SESSION_MINUTES,
                                                max_value=MAX_SESSION_MINUTES)
    format = serializers.ChoiceField(choices=SessionFormat.choices, default=SessionFormat.VIDEO)


class CancellationSerializer(serializers.Serializer):
    cancelled = serializers.BooleanField(read_only=True)
    cancelled_by = serializers.ChoiceField(choices=SIDES, read_only=True, allow_null=True)
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                   default="")


class SlotSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField(source="start")
    mine = serializers.CharField(help_text="In the reader's time zone, zone named.")
    partners = serializers.CharField(help_text="In the partner's time zone, zone named.")


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=20000, allow_blank=True,
                                 help_text="Only you can ever read it. Empty deletes it.")
    updated_at = serializers.DateTimeField(read_only=True, allow_null=True)


class MyNoteSerializer(serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", read_only=True)
    session = serializers.IntegerField(source="session_id", read_only=True, allow_null=True)

    class Meta:
        model = PrivateNote
        fields = ["id", "pair", "session", "text", "created_at", "updated_at"]
        read_only_fields = fields


class ActionItemSerializer(PairSideMixin, serializers.ModelSerializer):
    session = serializers.IntegerField(source="session_id", read_only=True)
    owner = serializers.SerializerMethodField(help_text="mentor or mentee.")
    done = serializers.BooleanField(source="is_done", read_only=True)

    class Meta:
        model = ActionItem
        fields = ["id", "session", "text", "owner", "due_date", "done", "done_at",
                  "created_at"]
        read_only_fields = fields

    def get_owner(self, item) -> str:
        return self.side(item.owner_id)


class ActionItemWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    owner = serializers.ChoiceField(choices=SIDES)
    due_date = serializers.DateField(required=False, allow_null=True, default=None)


class ActionItemChangeSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300, required=False)
    owner = serializers.ChoiceField(choices=SIDES, required=False)
    due_date = serializers.DateField(required=False, allow_null=True)
    done = serializers.BooleanField(required=False)


class GoalUpdateSerializer(PairSideMixin, serializers.ModelSerializer):
    author = serializers.SerializerMethodField(help_text="mentor or mentee.")
    date = serializers.DateField(source="on_date", read_only=True)

    class Meta:
        model = GoalUpdate
        fields = ["id", "author", "date", "percent", "comment", "created_at"]
        read_only_fields = fields

    def get_author(self, update) -> str:
        return self.side(update.author_id)


class GoalUpdateWriteSerializer(serializers.Serializer):
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False,
                                       allow_null=True, default=None,
                                       help_text="The owner's progress; the partner only "
                                                 "comments.")
    comment = serializers.CharField(max_length=3000, required=False, allow_blank=True,
                                    default="")
    date = serializers.DateField(required=False, allow_null=True, default=None)


class GoalSerializer(PairSideMixin, serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", read_only=True)
    owner = serializers.SerializerMethodField(help_text="mentor or mentee.")
    topics = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField(help_text="The owner's latest percent.")
    updates = GoalUpdateSerializer(many=True, read_only=True)

    class Meta:
        model = Goal
        fields = ["id", "pair", "owner", "title", "why", "success_measure", "target_date",
                  "status", "objectives", "topics", "progress", "updates", "created_at",
                  "updated_at"]
        read_only_fields = fields

    def get_owner(self, goal) -> str:
        return self.side(goal.owner_id)

    def get_topics(self, goal) -> list[int]:
        return [link.topic_id for link in goal.goal_topics.all()]

    def get_progress(self, goal) -> int | None:
        return selectors.goal_progress(goal)


class GoalWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=160)
    why = serializers.CharField(max_length=3000, required=False, allow_blank=True, default="")
    success_measure = serializers.CharField(max_length=3000, required=False, allow_blank=True,
                                            default="")
    target_date = serializers.DateField(required=False, allow_null=True, default=None)
    objectives = serializers.ListField(child=serializers.CharField(max_length=500),
                                       required=False, default=list, max_length=50,
                                       help_text="Texts of the program's objectives.")
    topics = serializers.ListField(child=serializers.IntegerField(), required=False,
                                   default=list, max_length=50)


class GoalChangeSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=160, required=False)
    why = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    success_measure = serializers.CharField(max_length=3000, required=False, allow_blank=True)
    target_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    objectives = serializers.ListField(child=serializers.CharField(max_length=500),
                                       required=False, max_length=50)
    topics = serializers.ListField(child=serializers.IntegerField(), required=False,
                                   max_length=50)


class CommitmentSerializer(serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", read_only=True)
    session = serializers.IntegerField(source="session_id", read_only=True, allow_null=True)
    mine = serializers.SerializerMethodField(help_text="Whether the reader made it.")

    class Meta:
        model = Commitment
        fields = ["id", "pair", "session", "mine", "text", "due_date", "shared_with_partner",
                  "shared_with_program", "outcome", "outcome_note", "answered_at",
                  "created_at"]
        read_only_fields = fields

    def get_mine(self, commitment) -> bool:
        return commitment.owner_id == self.context["me"].pk


class CommitmentWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    due_date = serializers.DateField()
    shared_with_partner = serializers.BooleanField(default=False)
    shared_with_program = serializers.BooleanField(default=False)


class CommitmentChangeSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300, required=False)
    due_date = serializers.DateField(required=False)
    shared_with_partner = serializers.BooleanField(required=False)
    shared_with_program = serializers.BooleanField(required=False)


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=ANSWER_CHOICES)
    note = serializers.CharField(max_length=3000, required=False, allow_blank=True,
                                 default="")
    new_due_date = serializers.DateField(required=False, allow_null=True, default=None)


class OutcomeReadSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=CommitmentOutcome.choices)
    note = serializers.CharField(source="outcome_note")
    due_date = serializers.DateField()
    answered_at = serializers.DateTimeField(allow_null=True)


# --- views -----------------------------------------------------------------------------------

def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _topics(ids) -> list[Topic]:
    """Topics of the open tenant scope; an id of another tenant (or none) is refused."""
    ids = list(dict.fromkeys(ids))
    found = list(Topic.objects.filter(pk__in=ids))
    if len(found) != len(ids):
        raise serializers.ValidationError({"topics": ["Choose topics of your organization's "
                                                      "list."]})
    return found


class PairAPIMixin(OrganizationAPIMixin):
    """An endpoint of one pair (``pair_pk``), for its two people only."""

    allowed_roles = PARTICIPANT_ROLES
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.load_objects()

    def load_objects(self) -> None:
        """Load what the URL names before anything else, so that anyone but the pair's two
        people gets 404 whatever they send (not a 400 about their input)."""
        _ = self.pair

    @cached_property
    def pair(self) -> Pair:
        try:
            return selectors.pair_of_member(pair_pk=self.kwargs["pair_pk"],
                                            membership=self.request.membership)
        except Pair.DoesNotExist as error:
            raise exceptions.NotFound("No such pair.") from error

    @cached_property
    def me(self) -> Participant:
        return selectors.me_in(self.pair, self.request.membership)

    def person(self, side: str | None) -> Participant | None:
        if side is None:
            return None
        return self.pair.mentor if side == "mentor" else self.pair.mentee

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if "pair_pk" in self.kwargs:
            context.update(me=self.me, pair=self.pair)
        return context


class SessionAPIMixin(PairAPIMixin):
    def load_objects(self) -> None:
        super().load_objects()
        _ = self.session

    @cached_property
    def session(self) -> MentoringSession:
        try:
            return selectors.session_of_pair(pair=self.pair,
                                             session_pk=self.kwargs["session_pk"])
        except MentoringSession.DoesNotExist as error:
            raise exceptions.NotFound("No such session.") from error

    def get_object(self):
        return self.session

    def session_data(self, session: MentoringSession) -> dict:
        session = selectors.session_of_pair(pair=self.pair, session_pk=session.pk)
        ratings = selectors.my_ratings(participant=self.me, sessions=[session])
        return SessionSerializer(session, context={"ratings": ratings, "pair": self.pair}).data


class MyPairListView(OrganizationAPIMixin, generics.ListAPIView):
    """The signed-in participant's pairs (active first), with the partner's public profile."""

    serializer_class = WorkspacePairSerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = Pair.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.pairs_with_partner_topics(membership=self.request.membership)


class PairDetailView(PairAPIMixin, generics.GenericAPIView):
    serializer_class = WorkspacePairSerializer
    queryset = Pair.objects.none()

    def get_object(self):
        return self.pair

    def get(self, request, *args, **kwargs):
        return Response(WorkspacePairSerializer(self.pair, context={"request": request}).data)


class SlotListView(PairAPIMixin, generics.GenericAPIView):
    serializer_class = SlotSerializer
    queryset = Pair.objects.none()
    pagination_class = None

    @extend_schema(responses=SlotSerializer(many=True),
                   description="The next five starts of the cohort's session length inside "
                               "both people's weekly availability, clear of their booked "
                               "sessions.")
    def get(self, request, *args, **kwargs):
        options = selectors.slot_options(pair=self.pair, membership=request.membership)
        return Response(SlotSerializer(options, many=True).data)


class SessionListView(PairAPIMixin, generics.ListAPIView):
    """The pair's sessions, soonest first; POST schedules one (both get an invitation)."""

    serializer_class = SessionSerializer
    queryset = MentoringSession.objects.none()

    def get_queryset(self):
        return selectors.sessions_of_pair(pair=self.pair)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["ratings"] = selectors.my_ratings_of_pair(participant=self.me, pair=self.pair)
        return context

    @extend_schema(request=SessionCreateSerializer, responses={201: SessionSerializer},
                   description="Schedule a session and email both people a calendar "
                               "invitation. A suggested time must still be free for both; no "
                               "time may overlap another session either of them booked.")
    def post(self, request, *args, **kwargs):
        data = _valid(SessionCreateSerializer, request.data)
        session = services.session_schedule(
            pair=self.pair, actor=self.me, starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"], format=data["format"],
            location=data["location"], meeting_url=data["meeting_url"], agenda=data["agenda"],
            suggested=data["from_suggestion"])
        return Response(self.session_data(session), status=status.HTTP_201_CREATED)

    def session_data(self, session):
        return SessionAPIMixin.session_data(self, session)


class PastSessionListView(SessionListView):
    """Sessions that are over (logged or past), newest first; POST logs a meeting that was
    never scheduled here."""

    def get_queryset(self):
        return selectors.past_sessions_of_pair(pair=self.pair)

    @extend_schema(request=PastSessionSerializer, responses={201: SessionSerializer},
                   description="Log a meeting that already took place without being "
                               "scheduled (no invitation is sent).")
    def post(self, request, *args, **kwargs):
        data = _valid(PastSessionSerializer, request.data)
        session = services.session_log_unscheduled(
            pair=self.pair, actor=self.me, starts_at=data["starts_at"],
            duration_minutes=data["duration_minutes"], format=data["format"],
            status=data["status"], actual_minutes=data["actual_minutes"],
            topics=_topics(data["topics"]), summary=data["summary"],
            cancelled_by=self.person(data["cancelled_by"]), rating=data["rating"])
        return Response(self.session_data(session), status=status.HTTP_201_CREATED)


class SessionDetailView(SessionAPIMixin, generics.GenericAPIView):
    serializer_class = SessionSerializer
    queryset = MentoringSession.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(self.session_data(self.session))

    @extend_schema(request=SessionChangeSerializer, responses=SessionSerializer,
                   description="A new starts_at or duration_minutes reschedules the session "
                               "(updated invitation: same UID, higher SEQUENCE); format, "
                               "location, meeting_url and agenda change its details.")
    def patch(self, request, *args, **kwargs):
        data = _valid(SessionChangeSerializer, request.data)
        session = self.session
        if "starts_at" in data or "duration_minutes" in data:
            session = services.session_reschedule(
                session=session, actor=self.me,
                starts_at=data.get("starts_at", session.starts_at),
                duration_minutes=data.get("duration_minutes", session.duration_minutes),
                suggested=data["from_suggestion"])
        details = {name: data[name] for name in ("format", "location", "meeting_url", "agenda")
                   if name in data}
        if details:
            session = services.session_update_details(
                session=session, actor=self.me, **{
                    "format": session.format, "location": session.location,
                    "meeting_url": session.meeting_url, "agenda": session.agenda, **details})
        return Response(self.session_data(session))


class SessionCancellationView(SessionAPIMixin, generics.GenericAPIView):
    serializer_class = CancellationSerializer
    queryset = MentoringSession.objects.none()

    def _data(self, session) -> dict:
        return CancellationSerializer({
            "cancelled": session.status == "cancelled",
            "cancelled_by": _side(self.pair, session.cancelled_by_id),
            "reason": session.cancel_reason}).data

    def get(self, request, *args, **kwargs):
        return Response(self._data(self.session))

    @extend_schema(request=CancellationSerializer, responses=CancellationSerializer,
                   description="Cancel a scheduled session; if it is still ahead, both get a "
                               "cancellation (METHOD:CANCEL).")
    def post(self, request, *args, **kwargs):
        data = _valid(CancellationSerializer, request.data)
        session = services.session_cancel(session=self.session, actor=self.me,
                                          reason=data["reason"])
        return Response(self._data(session))


class SessionLogView(SessionAPIMixin, generics.GenericAPIView):
    serializer_class = SessionSerializer
    queryset = MentoringSession.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(self.session_data(self.session))

    @extend_schema(request=LogSerializer, responses=SessionSerializer,
                   description="Record what became of the session (again to correct it), "
                               "the shared summary and your own rating.")
    def post(self, request, *args, **kwargs):
        data = _valid(LogSerializer, request.data)
        session = services.session_log(
            session=self.session, actor=self.me, status=data["status"],
            actual_minutes=data["actual_minutes"], topics=_topics(data["topics"]),
            summary=data["summary"], cancelled_by=self.person(data["cancelled_by"]),
            rating=data["rating"])
        return Response(self.session_data(session))


class NoteMixin:
    """The signed-in person's own private note (GET, PUT, DELETE); nobody else's is ever
    returned."""

    serializer_class = NoteSerializer
    queryset = PrivateNote.objects.none()

    def note_target(self) -> dict:
        raise NotImplementedError

    def current(self) -> PrivateNote | None:
        raise NotImplementedError

    def _data(self, note: PrivateNote | None) -> dict:
        return NoteSerializer({"text": note.text if note else "",
                               "updated_at": note.updated_at if note else None}).data

    def get(self, request, *args, **kwargs):
        return Response(self._data(self.current()))

    @extend_schema(request=NoteSerializer, responses=NoteSerializer)
    def put(self, request, *args, **kwargs):
        data = _valid(NoteSerializer, request.data)
        note = services.private_note_save(author=self.me, pair=self.pair, text=data["text"],
                                          **self.note_target())
        return Response(self._data(note))

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, *args, **kwargs):
        services.private_note_save(author=self.me, pair=self.pair, text="",
                                   **self.note_target())
        return Response(status=status.HTTP_204_NO_CONTENT)


class PairNoteView(PairAPIMixin, NoteMixin, generics.GenericAPIView):
    def get_object(self):
        return self.pair

    def note_target(self) -> dict:
        return {}

    def current(self):
        return selectors.my_pair_note(author=self.me, pair=self.pair)


class SessionNoteView(SessionAPIMixin, NoteMixin, generics.GenericAPIView):
    def note_target(self) -> dict:
        return {"session": self.session}

    def current(self):
        return selectors.my_session_note(author=self.me, session=self.session)


class MyNoteListView(OrganizationAPIMixin, generics.ListAPIView):
    """Every private note the signed-in person wrote in this organization (only theirs)."""

    serializer_class = MyNoteSerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = PrivateNote.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.my_notes(membership=self.request.membership)


class ActionItemListView(PairAPIMixin, generics.ListAPIView):
    """The pair's action items (open first)."""

    serializer_class = ActionItemSerializer
    queryset = ActionItem.objects.none()

    def get_queryset(self):
        return selectors.action_items_of_pair(pair=self.pair)


class SessionActionItemListView(SessionAPIMixin, generics.ListAPIView):
    """A session's action items; POST adds one."""

    serializer_class = ActionItemSerializer
    queryset = ActionItem.objects.none()

    def get_queryset(self):
        return selectors.action_items_of_session(session=self.session)

    @extend_schema(request=ActionItemWriteSerializer, responses={201: ActionItemSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(ActionItemWriteSerializer, request.data)
        item = services.action_item_add(session=self.session, actor=self.me,
                                        text=data["text"], owner=self.person(data["owner"]),
                                        due_date=data["due_date"])
        return Response(ActionItemSerializer(item, context={"pair": self.pair}).data,
                        status=status.HTTP_201_CREATED)


class ActionItemDetailView(PairAPIMixin, generics.GenericAPIView):
    serializer_class = ActionItemSerializer
    queryset = ActionItem.objects.none()

    def load_objects(self) -> None:
        super().load_objects()
        self.get_object()

    def get_object(self) -> ActionItem:
        try:
            return selectors.action_items_of_pair(pair=self.pair).get(pk=self.kwargs["action_pk"])
        except ActionItem.DoesNotExist as error:
            raise exceptions.NotFound("No such action item.") from error

    def get(self, request, *args, **kwargs):
        return Response(ActionItemSerializer(self.get_object(), context={"pair": self.pair}).data)

    @extend_schema(request=ActionItemChangeSerializer, responses=ActionItemSerializer,
                   description="Change an action item or tick it off (done).")
    def patch(self, request, *args, **kwargs):
        item = self.get_object()
        data = _valid(ActionItemChangeSerializer, request.data)
        owner = self.person(data["owner"]) if "owner" in data else item.owner
        item = services.action_item_update(
            item=item, actor=self.me, text=data.get("text", item.text), owner=owner,
            due_date=data.get("due_date", item.due_date), done=data.get("done", item.is_done))
        return Response(ActionItemSerializer(item, context={"pair": self.pair}).data)


class GoalListView(PairAPIMixin, generics.ListAPIView):
    """Both people's goals with their progress; POST adds one of your own."""

    serializer_class = GoalSerializer
    queryset = Goal.objects.none()

    def get_queryset(self):
        return selectors.goals_of_pair(pair=self.pair)

    @extend_schema(request=GoalWriteSerializer, responses={201: GoalSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(GoalWriteSerializer, request.data)
        goal = services.goal_create(pair=self.pair, owner=self.me,
                                    **{**data, "topics": _topics(data["topics"])})
        return Response(GoalSerializer(self._fresh(goal), context={"pair": self.pair}).data,
                        status=status.HTTP_201_CREATED)

    def _fresh(self, goal: Goal) -> Goal:
        return selectors.goal_of_pair(pair=self.pair, goal_pk=goal.pk)


class GoalMixin(PairAPIMixin):
    def load_objects(self) -> None:
        super().load_objects()
        _ = self.goal

    @cached_property
    def goal(self) -> Goal:
        try:
            return selectors.goal_of_pair(pair=self.pair, goal_pk=self.kwargs["goal_pk"])
        except Goal.DoesNotExist as error:
            raise exceptions.NotFound("No such goal.") from error

    def get_object(self):
        return self.goal


class GoalDetailView(GoalMixin, generics.GenericAPIView):
    serializer_class = GoalSerializer
    queryset = Goal.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(GoalSerializer(self.goal, context={"pair": self.pair}).data)

    @extend_schema(request=GoalChangeSerializer, responses=GoalSerializer,
                   description="Change your own goal (only its owner can).")
    def patch(self, request, *args, **kwargs):
        goal = self.goal
        data = _valid(GoalChangeSerializer, request.data)
        topics = _topics(data["topics"]) if "topics" in data else \
            [link.topic for link in goal.goal_topics.all()]
        services.goal_update(
            goal=goal, actor=self.me, title=data.get("title", goal.title),
            why=data.get("why", goal.why),
            success_measure=data.get("success_measure", goal.success_measure),
            target_date=data.get("target_date", goal.target_date),
            status=data.get("status", goal.status),
            objectives=data.get("objectives", goal.objectives), topics=topics)
        return Response(GoalSerializer(selectors.goal_of_pair(pair=self.pair, goal_pk=goal.pk),
                                       context={"pair": self.pair}).data)


class GoalUpdateListView(GoalMixin, generics.ListAPIView):
    """A goal's progress updates and comments; POST adds one (the owner may give a percent,
    the partner comments)."""

    serializer_class = GoalUpdateSerializer
    queryset = GoalUpdate.objects.none()

    def get_queryset(self):
        return GoalUpdate.objects.filter(goal=self.goal).order_by("on_date", "created_at", "id")

    @extend_schema(request=GoalUpdateWriteSerializer, responses={201: GoalUpdateSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(GoalUpdateWriteSerializer, request.data)
        update = services.goal_add_update(goal=self.goal, author=self.me,
                                          percent=data["percent"], comment=data["comment"],
                                          on_date=data["date"])
        return Response(GoalUpdateSerializer(update, context={"pair": self.pair}).data,
                        status=status.HTTP_201_CREATED)


class CommitmentListView(PairAPIMixin, generics.ListAPIView):
    """Your commitments and those your partner shared with you; POST records one (the
    pair's mentee only)."""

    serializer_class = CommitmentSerializer
    queryset = Commitment.objects.none()

    def get_queryset(self):
        return selectors.commitments_visible_to(pair=self.pair, participant=self.me)

    @extend_schema(request=CommitmentWriteSerializer, responses={201: CommitmentSerializer})
    def post(self, request, *args, **kwargs):
        data = _valid(CommitmentWriteSerializer, request.data)
        commitment = services.commitment_create(pair=self.pair, owner=self.me, **data)
        return Response(CommitmentSerializer(commitment, context={"me": self.me}).data,
                        status=status.HTTP_201_CREATED)


class CommitmentMixin(PairAPIMixin):
    def load_objects(self) -> None:
        super().load_objects()
        _ = self.commitment

    @cached_property
    def commitment(self) -> Commitment:
        try:
            return selectors.commitment_visible_to(
                pair=self.pair, participant=self.me, commitment_pk=self.kwargs["commitment_pk"])
        except Commitment.DoesNotExist as error:
            raise exceptions.NotFound("No such commitment.") from error

    def get_object(self):
        return self.commitment


class CommitmentDetailView(CommitmentMixin, generics.GenericAPIView):
    serializer_class = CommitmentSerializer
    queryset = Commitment.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(CommitmentSerializer(self.commitment, context={"me": self.me}).data)

    @extend_schema(request=CommitmentChangeSerializer, responses=CommitmentSerializer,
                   description="Change your own commitment (text, due date, sharing).")
    def patch(self, request, *args, **kwargs):
        commitment = self.commitment
        data = _valid(CommitmentChangeSerializer, request.data)
        commitment = services.commitment_update(
            commitment=commitment, actor=self.me, text=data.get("text", commitment.text),
            due_date=data.get("due_date", commitment.due_date),
            shared_with_partner=data.get("shared_with_partner",
                                         commitment.shared_with_partner),
            shared_with_program=data.get("shared_with_program",
                                         commitment.shared_with_program))
        return Response(CommitmentSerializer(commitment, context={"me": self.me}).data)


class CommitmentOutcomeView(CommitmentMixin, generics.GenericAPIView):
    serializer_class = OutcomeReadSerializer
    queryset = Commitment.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(OutcomeReadSerializer(self.commitment).data)

    @extend_schema(request=OutcomeSerializer, responses=OutcomeReadSerializer,
                   description="Did it happen? done, partly or not_yet (with an optional note; "
                               "not_yet may move the due date).")
    def post(self, request, *args, **kwargs):
        data = _valid(OutcomeSerializer, request.data)
        commitment = services.commitment_record_outcome(
            commitment=self.commitment, actor=self.me, outcome=data["outcome"],
            note=data["note"], new_due_date=data["new_due_date"])
        return Response(OutcomeReadSerializer(commitment).data)
