"""REST API of check-ins, fit checks and HR alerts (``/api/v1/o/<org>/…``).

Security boundary: the people's endpoints (``pairs/<pair_pk>/check-in/``,
``pairs/<pair_pk>/fit-check/``, ``check-ins/``, ``fit-checks/``) load the pair through
``sessions.selectors.pair_of_member`` (its two people only, anyone else 404) and then only the
caller's own check-in or fit check; the partner's answers are never read. HR's endpoints are
admins only (403 otherwise) and show alerts (who raised it, the pair, reason codes, the text
only when shared), never an answer. Services raise ``ValidationError``; the project's handler
turns it into a 400 keyed by field.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response

from accounts.permissions import ADMIN_ONLY, PARTICIPANT_ROLES, OrganizationAPIMixin
from programs.models import Cohort
from sessions.api import PairAPIMixin
from sessions.checkins import selectors, services
from sessions.models import (
    AgendaSetter,
    AlertReason,
    AlertStatus,
    CheckIn,
    CheckInBlocker,
    FitAnswer,
    FitCheck,
    HRAlert,
)

SCALE = [(n, str(n)) for n in range(1, 6)]


# --- serializers -----------------------------------------------------------------------------

class CheckInSerializer(serializers.ModelSerializer):
    """The caller's own check-in (answers included: it is theirs)."""

    pair = serializers.IntegerField(source="pair_id", read_only=True)
    blockers = serializers.ListField(child=serializers.ChoiceField(
        choices=CheckInBlocker.choices), read_only=True)

    class Meta:
        model = CheckIn
        fields = ["id", "pair", "period", "due_on", "status", "score", "blockers",
                  "blocker_text", "agenda_set_by", "candour", "wants_hr_contact",
                  "share_text_with_hr", "created_at", "answered_at"]
        read_only_fields = fields


class CheckInAnswerSerializer(serializers.Serializer):
    score = serializers.ChoiceField(choices=SCALE, help_text="How is your mentoring going? 1–5")
    blockers = serializers.ListField(
        child=serializers.ChoiceField(choices=CheckInBlocker.choices), required=False,
        default=list, help_text="Anything in the way? Any of the codes, or none.")
    blocker_text = serializers.CharField(max_length=2000, required=False, allow_blank=True,
                                         default="", help_text='Needed with "other".')
    agenda_set_by = serializers.ChoiceField(choices=AgendaSetter.choices,
                                            help_text="Who set the agenda last time?")
    candour = serializers.ChoiceField(choices=SCALE,
                                      help_text="Did you feel able to speak candidly? 1–5")
    wants_hr_contact = serializers.BooleanField(help_text="Would you like HR to reach out?")
    share_text_with_hr = serializers.BooleanField(required=False, default=False)


class PairCheckInSerializer(serializers.Serializer):
    open = CheckInSerializer(allow_null=True, help_text="Your check-in waiting for an answer.")
    last = CheckInSerializer(allow_null=True, help_text="Your latest check-in on this pair.")


class FitCheckSerializer(serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", read_only=True)

    class Meta:
        model = FitCheck
        fields = ["id", "pair", "answer", "created_at", "answered_at"]
        read_only_fields = fields


class PairFitCheckSerializer(serializers.Serializer):
    fit_check = FitCheckSerializer(allow_null=True,
                                   help_text="Null until you are asked (two days after your "
                                             "first session).")


class FitCheckAnswerSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=FitAnswer.choices,
                                     help_text="Is this pairing working for you?")


class HRAlertSerializer(serializers.ModelSerializer):
    pair = serializers.IntegerField(source="pair_id", read_only=True)
    cohort = serializers.IntegerField(source="cohort_id", read_only=True)
    mentor_name = serializers.CharField(source="pair.mentor.membership.user.display_name",
                                        read_only=True)
    mentee_name = serializers.CharField(source="pair.mentee.membership.user.display_name",
                                        read_only=True)
    raised_by = serializers.CharField(source="participant.membership.user.display_name",
                                      read_only=True)
    raised_by_role = serializers.CharField(source="participant.role", read_only=True)
    reasons = serializers.ListField(child=serializers.ChoiceField(
        choices=AlertReason.choices), read_only=True)
    shared_text = serializers.CharField(
        read_only=True, help_text="The person's words, only if they shared them with HR.")

    class Meta:
        model = HRAlert
        fields = ["id", "kind", "status", "cohort", "pair", "mentor_name", "mentee_name",
                  "raised_by", "raised_by_role", "reasons", "shared_text", "created_at",
                  "acknowledged_at", "resolved_at", "resolution_note"]
        read_only_fields = fields


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="What was done.")


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- the person's own ----------------------------------------------------------------------

class PairCheckInView(PairAPIMixin, generics.GenericAPIView):
    """Your check-in on this pair: the one waiting for you and your latest; POST answers the
    one waiting (once). Your partner never reads it."""

    serializer_class = PairCheckInSerializer
    queryset = CheckIn.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(PairCheckInSerializer({
            "open": selectors.open_check_in(pair=self.pair, participant=self.me),
            "last": selectors.last_check_in(pair=self.pair, participant=self.me)}).data)

    @extend_schema(request=CheckInAnswerSerializer, responses=CheckInSerializer)
    def post(self, request, *args, **kwargs):
        data = _valid(CheckInAnswerSerializer, request.data)
        check_in = selectors.open_check_in(pair=self.pair, participant=self.me)
        if check_in is None:
            raise exceptions.NotFound("No check-in is waiting for you on this pair.")
        check_in = services.check_in_answer(check_in=check_in, actor=self.me, **data)
        return Response(CheckInSerializer(check_in).data)


class PairFitCheckView(PairAPIMixin, generics.GenericAPIView):
    """Your fit check on this pair ("Is this pairing working for you?"); POST answers it
    (once). A "no" opens a re-match case for HR; your partner is never told."""

    serializer_class = PairFitCheckSerializer
    queryset = FitCheck.objects.none()

    def get(self, request, *args, **kwargs):
        return Response(PairFitCheckSerializer({"fit_check": selectors.open_fit_check(
            pair=self.pair, participant=self.me)}).data)

    @extend_schema(request=FitCheckAnswerSerializer, responses=FitCheckSerializer)
    def post(self, request, *args, **kwargs):
        data = _valid(FitCheckAnswerSerializer, request.data)
        fit = selectors.open_fit_check(pair=self.pair, participant=self.me)
        if fit is None:
            raise exceptions.NotFound("You have not been asked yet (two days after your first "
                                      "session).")
        fit = services.fit_check_answer(fit_check=fit, actor=self.me, answer=data["answer"])
        return Response(FitCheckSerializer(fit).data)


class MyCheckInListView(OrganizationAPIMixin, generics.ListAPIView):
    """Every check-in of yours in this organization (only yours)."""

    serializer_class = CheckInSerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = CheckIn.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.my_check_ins(membership=self.request.membership)


class MyFitCheckListView(OrganizationAPIMixin, generics.ListAPIView):
    """Every fit check of yours in this organization (only yours)."""

    serializer_class = FitCheckSerializer
    allowed_roles = PARTICIPANT_ROLES
    queryset = FitCheck.objects.none()
    filter_backends: list = []

    def get_queryset(self):
        return selectors.my_fit_checks(membership=self.request.membership)


# --- HR ------------------------------------------------------------------------------------

class AlertStatusQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=AlertStatus.choices, required=False)


class CohortAlertListView(OrganizationAPIMixin, generics.ListAPIView):
    """HR: a cohort's alerts, open first (50 a page, the same queries for any number);
    ``?status=`` filters."""

    serializer_class = HRAlertSerializer
    allowed_roles = ADMIN_ONLY
    queryset = HRAlert.objects.none()
    filter_backends: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.cohort = get_object_or_404(Cohort, pk=kwargs["cohort_pk"])

    @extend_schema(parameters=[AlertStatusQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        status = _valid(AlertStatusQuery, self.request.query_params).get("status")
        return selectors.hr_alerts_of_cohort(cohort=self.cohort, status=status)


class CheckInScheduleSerializer(serializers.Serializer):
    cadence_days = serializers.IntegerField(
        min_value=7, max_value=91,
        help_text="Each person of a pair is asked every this many days from the first session.")
    inactivity_days = serializers.IntegerField(
        min_value=14, max_value=180, required=False,
        help_text="A pair without activity for this many days is warned, and closed as "
                  "inactive 7 days later unless someone acts (unchanged when left out).")


class CheckInScheduleView(OrganizationAPIMixin, generics.GenericAPIView):
    """HR: a cohort's check-in cadence (GET; PUT sets it)."""

    serializer_class = CheckInScheduleSerializer
    allowed_roles = ADMIN_ONLY
    queryset = Cohort.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.cohort = get_object_or_404(Cohort, pk=kwargs["cohort_pk"])

    def get_object(self) -> Cohort:
        return self.cohort

    def get(self, request, *args, **kwargs):
        return Response({"cadence_days": selectors.cadence_of(cohort=self.cohort),
                         "inactivity_days": selectors.inactivity_days_of(cohort=self.cohort)})

    @extend_schema(request=CheckInScheduleSerializer, responses=CheckInScheduleSerializer)
    def put(self, request, *args, **kwargs):
        data = _valid(CheckInScheduleSerializer, request.data)
        schedule = services.check_in_schedule_set(
            cohort=self.cohort, actor=request.user, cadence_days=data["cadence_days"],
            inactivity_days=data.get("inactivity_days"))
        return Response({"cadence_days": schedule.cadence_days,
                         "inactivity_days": schedule.inactivity_days})


class AlertAPIMixin(OrganizationAPIMixin):
    allowed_roles = ADMIN_ONLY
    serializer_class = HRAlertSerializer
    queryset = HRAlert.objects.none()

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        _ = self.alert

    @cached_property
    def alert(self) -> HRAlert:
        try:
            return selectors.hr_alert(alert_pk=self.kwargs["alert_pk"])
        except HRAlert.DoesNotExist as error:
            raise exceptions.NotFound("No such alert.") from error

    def alert_data(self, alert: HRAlert) -> dict:
        return HRAlertSerializer(selectors.hr_alert(alert_pk=alert.pk)).data


class AlertDetailView(AlertAPIMixin, generics.GenericAPIView):
    def get(self, request, *args, **kwargs):
        return Response(HRAlertSerializer(self.alert).data)


class AlertAcknowledgeView(AlertAPIMixin, generics.GenericAPIView):
    @extend_schema(request=None, responses=HRAlertSerializer,
                   description="HR has seen the alert (open alerts only).")
    def post(self, request, *args, **kwargs):
        return Response(self.alert_data(services.hr_alert_acknowledge(alert=self.alert,
                                                                      actor=request.user)))


class AlertResolveView(AlertAPIMixin, generics.GenericAPIView):
    @extend_schema(request=ResolveSerializer, responses=HRAlertSerializer,
                   description="Close the alert with a note of what was done.")
    def post(self, request, *args, **kwargs):
        data = _valid(ResolveSerializer, request.data)
        return Response(self.alert_data(services.hr_alert_resolve(
            alert=self.alert, actor=request.user, note=data["note"])))
