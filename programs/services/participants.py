"""Writes for participants: enrollment, profiles, topics, invitations into cohorts, the
welcome email."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from accounts.services import (
    InvitationError,
    invitation_accept_url,
    invitation_create,
    invitation_renew,
    invitation_revoke,
)
from core.models import Notification
from core.notifications import (
    NotificationDraft,
    notification_enqueue,
    notifications_enqueue_bulk,
)
from programs.availability import availability_normalise, availability_problems
from programs.completeness import Completeness
from programs.imports.writing import (
    INVITATION_KIND,
    INVITATION_TEMPLATE,
    cohort_invitation_email_context,
)
from programs.models import (
    Cohort,
    CohortInvitation,
    CohortStatus,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    Topic,
    TopicInterest,
)
from programs.selectors import cohort_invitation_completeness, participant_completeness
from programs.signals import participant_withdrawn

logger = logging.getLogger(__name__)


def profile_get_or_create(*, membership: Membership) -> Profile:
    profile = Profile.objects.filter(membership=membership).first()
    if profile is None:
        profile = Profile.objects.create(organization_id=membership.organization_id,
                                         membership=membership)
    return profile


def participant_refresh_completeness(*, participant: Participant) -> Completeness:
    """Store ``participant``'s completeness (:func:`~programs.selectors.participant_completeness`)
    when it changed; returns it."""
    result = participant_completeness(participant=participant)
    if result.percent != participant.completeness:
        participant.completeness = result.percent
        Participant.objects.filter(pk=participant.pk).update(completeness=result.percent)
    return result


def _check_same_tenant(cohort: Cohort, membership: Membership) -> None:
    if cohort.organization_id != membership.organization_id:
        raise ValidationError("That person is not a member of this cohort's organization.")


@transaction.atomic
def participant_enroll(
    *, cohort: Cohort, membership: Membership, role: str,
    status: str = ParticipantStatus.ACTIVE, capacity: int | None = None,
    application_note: str = "",
) -> tuple[Participant, bool]:
    """Enroll a member in a cohort (or return their existing place). Returns
    ``(participant, created)``; an existing place keeps its answers but takes the new role."""
    _check_same_tenant(cohort, membership)
    if cohort.is_read_only:
        raise ValidationError(f"The cohort is {cohort.status}: nobody can join it now.")
    profile = profile_get_or_create(membership=membership)
    participant = Participant.objects.filter(cohort=cohort, membership=membership).first()
    if participant is not None:
        changed = []
        if participant.role != role:
            participant.role = role
            changed.append("role")
        if capacity is not None and participant.capacity != capacity:
            participant.capacity = capacity
            changed.append("capacity")
        if changed:
            participant.full_clean()
            participant.save(update_fields=changed)
        return participant, False
    participant = Participant(
        organization=cohort.organization, cohort=cohort, membership=membership,
        profile=profile, role=role, status=status, capacity=capacity,
        application_note=application_note,
    )
    participant.full_clean()
    participant.save()
    participant_refresh_completeness(participant=participant)
    return participant, True


@transaction.atomic
def participant_set_topics(
    *, participant: Participant, teach: dict[Topic, int], learn: dict[Topic, int]
) -> None:
    """Replace the participant's topics with ``teach``/``learn`` (topic → strength 1–3)."""
    for topic in [*teach, *learn]:
        if topic.organization_id != participant.organization_id:
            raise ValidationError(f"“{topic}” is not a topic of this organization.")
    ParticipantTopic.objects.filter(participant=participant).delete()
    ParticipantTopic.objects.bulk_create([
        ParticipantTopic(organization_id=participant.organization_id, participant=participant,
                         topic=topic, interest=interest, strength=max(1, min(3, strength)))
        for interest, chosen in ((TopicInterest.TEACH, teach), (TopicInterest.LEARN, learn))
        for topic, strength in chosen.items()
    ])
    participant_refresh_completeness(participant=participant)


# --- links and emails ----------------------------------------------------------------------

def participant_profile_path(participant: Participant) -> str:
    return reverse("programs:participant_profile", kwargs={
        "org_slug": participant.cohort.organization.slug, "participant_pk": participant.pk})


def _cohort_context(cohort: Cohort) -> dict:
    """What the emails of a cohort's participants say about the cohort and its program."""
    program = cohort.program
    return {
        "organization": cohort.organization.name,
        "program_name": program.name,
        "purpose": program.purpose,
        "guidelines": program.guidelines,
        "confidentiality_statement": program.confidentiality_statement,
        "cohort_name": cohort.name,
        "start_date": cohort.start_date,
        "end_date": cohort.end_date,
        "cadence_days": cohort.cadence_days,
    }


def _person_context(participant: Participant) -> dict:
    return {
        "name": participant.membership.user.display_name,
        "role": participant.get_role_display(),
        "is_mentor": participant.role == ParticipantRole.MENTOR,
    }


def _welcome_context(participant: Participant) -> dict:
    return {**_cohort_context(participant.cohort), **_person_context(participant)}


WELCOME_KIND = "welcome"
WELCOME_TEMPLATE = "programs/email/welcome"


def welcome_key(participant: Participant) -> str:
    """The welcome's idempotency key: one per place in a cohort, whichever way the person
    came in (invited, approved, re-enrolled, imported), so nobody is welcomed twice."""
    return f"welcome:participant:{participant.pk}"


def participant_send_welcome(*, participant: Participant):
    """Queue the welcome email (program purpose, guidelines, link to complete the profile).

    Idempotent (:func:`welcome_key`): enrolling, approving or re-inviting the same person
    again never sends a second welcome. Only enrolled (active) participants get one.
    """
    if participant.status != ParticipantStatus.ACTIVE:
        return None
    user = participant.membership.user
    return notification_enqueue(
        organization=participant.cohort.organization, recipient=user, email=user.email,
        kind=WELCOME_KIND, key=welcome_key(participant), template=WELCOME_TEMPLATE,
        context=_welcome_context(participant), link=participant_profile_path(participant),
    )


def participants_send_welcome_bulk(*, participants: list[Participant], cohort: Cohort
                                   ) -> list[str]:
    """:func:`participant_send_welcome` for many new participants of one cohort through the
    bulk outbox: the same kind, template, context, link and idempotency key, a constant number
    of queries. Returns the notification keys of the emails asked for."""
    program = cohort.program
    drafts = []
    shared: dict | None = None
    path_prefix = path_suffix = ""
    for participant in participants:
        if participant.status != ParticipantStatus.ACTIVE:
            continue
        participant.cohort = cohort
        cohort.program = program
        user = participant.membership.user
        if shared is None:  # the same for everyone of the cohort: built (and reversed) once
            shared = _cohort_context(cohort)
            path_prefix, path_suffix = participant_profile_path(participant).rsplit(
                f"/{participant.pk}/", 1)
        drafts.append(NotificationDraft(
            recipient=user, email=user.email, key=welcome_key(participant),
            context={**shared, **_person_context(participant)},
            link=f"{path_prefix}/{participant.pk}/{path_suffix}"))
    notifications_enqueue_bulk(organization=cohort.organization, kind=WELCOME_KIND,
                               template=WELCOME_TEMPLATE, drafts=drafts)
    return [draft.key for draft in drafts]


# --- invitations into a cohort -------------------------------------------------------------

def _check_role(role: str) -> None:
    if role not in ParticipantRole.values:
        raise ValidationError({"role": "Choose mentor or mentee."})


def _check_open_for_people(cohort: Cohort) -> None:
    if cohort.is_read_only:
        raise ValidationError(f"The cohort is {cohort.get_status_display().lower()}: nobody "
                              "can join it now.")


@dataclass(frozen=True)
class CohortInviteResult:
    """Either ``participant`` (an existing member, enrolled at once) or ``invitation`` (a new
    person, enrolled when they accept)."""

    participant: Participant | None = None
    invitation: Invitation | None = None

    @property
    def enrolled(self) -> bool:
        return self.participant is not None


def _activate(participant: Participant, role: str) -> Participant:
    changed = []
    if participant.role != role:
        participant.role = role
        changed.append("role")
    if participant.status != ParticipantStatus.ACTIVE:
        participant.status = ParticipantStatus.ACTIVE
        participant.decided_at = timezone.now()
        changed += ["status", "decided_at"]
    if changed:
        participant.full_clean()
        participant.save(update_fields=[*changed, "updated_at"])
    return participant


@transaction.atomic
def participant_enroll_by_email(
    *, cohort: Cohort, email: str, role: str, actor: User | None,
    status: str = ParticipantStatus.ACTIVE, capacity: int | None = None,
    learning_goals: str = "", reenroll: bool = False,
) -> Participant:
    """Enroll the member of the cohort's organization with address ``email`` (any case) and
    send the welcome email (active places only; once per place, see
    :func:`participant_send_welcome`). The API's enrolment and the web invitation of an
    existing member both come here.

    Someone who is not a member is refused (``email``): people join an organization by
    invitation or import. A person who already has a place is refused too, unless
    ``reenroll``: then a place that is not active (applied, withdrawn, declined) becomes
    active with ``role`` (an application is approved that way) and only an active one is
    refused.
    """
    membership = (Membership.objects
                  .filter(organization_id=cohort.organization_id, user__email__iexact=email)
                  .select_related("user").first())
    if membership is None:
        raise ValidationError({"email": [
            f"{email} is not a member of {cohort.organization.name}; invite them or import a "
            "CSV."]})
    if reenroll:
        participant = Participant.objects.filter(cohort=cohort, membership=membership).first()
        if participant is not None and participant.status == ParticipantStatus.ACTIVE:
            raise ValidationError({"email": f"{email} is already in this cohort as "
                                            f"{participant.get_role_display().lower()}."})
        if participant is not None:
            _activate(participant, role)
            participant_send_welcome(participant=participant)
            return participant
    participant, created = participant_enroll(cohort=cohort, membership=membership, role=role,
                                              status=status, capacity=capacity)
    if not created:
        raise ValidationError({"email": [
            f"{email} already has a place in this cohort (#{participant.pk}); update that "
            "one."]})
    if learning_goals:
        participant_update(participant=participant, actor=actor, learning_goals=learning_goals)
    participant_send_welcome(participant=participant)
    return participant


#: What a :class:`~programs.models.CohortInvitation` says about the person (besides the role).
INVITATION_DETAILS = ("name", "job_title", "department", "level_id", "manager_email",
                      "time_zone", "languages", "topics")


@transaction.atomic
def participant_invite(
    *, cohort: Cohort, email: str, role: str, invited_by: User | None,
) -> CohortInviteResult:
    """Invite one person into ``cohort`` as mentor or mentee.

    An existing member of the organization is enrolled at once (an application of theirs is
    approved) and gets the welcome email. Anyone else gets an organization invitation that
    names the cohort; accepting it enrolls them (see :func:`cohort_invitation_accepted`).
    """
    _check_role(role)
    _check_open_for_people(cohort)
    email = email.strip().lower()
    organization = cohort.organization
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        participant = participant_enroll_by_email(cohort=cohort, email=email, role=role,
                                                  actor=invited_by, reenroll=True)
        return CohortInviteResult(participant=participant)

    elsewhere = (CohortInvitation.objects
                 .filter(invitation__email__iexact=email, invitation__accepted_at__isnull=True,
                         invitation__revoked_at__isnull=True,
                         invitation__expires_at__gt=timezone.now())
                 .exclude(cohort=cohort).select_related("cohort").first())
    if elsewhere is not None:
        # One organization invitation carries one cohort place, and a new invitation replaces
        # the pending one: refuse rather than silently drop the other cohort's place.
        raise ValidationError({"email": (
            f"{email} already has a pending invitation to the cohort “{elsewhere.cohort}”. "
            "Add them to this cohort once they have accepted it, or withdraw that "
            "invitation first.")})
    earlier = (CohortInvitation.objects
               .filter(cohort=cohort, invitation__email__iexact=email,
                       invitation__accepted_at__isnull=True, invitation__revoked_at__isnull=True)
               .order_by("-invitation__created_at").first())
    invitation = invitation_create(
        organization=organization, email=email, role=Role.MEMBER, invited_by=invited_by,
        message_context={"cohort_name": cohort.name,
                         "participant_role": ParticipantRole(role).label.lower()},
    )
    place = CohortInvitation(organization=organization, invitation=invitation, cohort=cohort,
                             role=role)
    if earlier is not None:  # inviting again keeps what an import said about the person
        for field in INVITATION_DETAILS:
            setattr(place, field, getattr(earlier, field))
    place.completeness = cohort_invitation_completeness(place=place).percent
    place.save()
    return CohortInviteResult(invitation=invitation)



class CohortInvitationConflict(Exception):
    """What HR asked cannot be done to an invitation in its state (accepted, withdrawn, or its
    cohort closed); ``str()`` says why and what to do instead."""


@transaction.atomic
def cohort_invitation_resend(*, place: CohortInvitation, actor: User | None
                             ) -> CohortInvitation:
    """Email the person invited with ``place`` a fresh link (HR's "resend"): the invitation
    gets a new token and expiry (:func:`accounts.services.invitation_renew`; the earlier link
    stops working), open or expired alike, and the cohort invitation email goes out again
    with what the organization said about them, saying that it replaces the earlier one.

    Like an import's, the email goes to the address, not to an account (no account is looked
    up: no preference, quiet hours or sign-in link of one applies), so it leaves alike
    whoever the address belongs to. Refused (:class:`CohortInvitationConflict`) for an
    accepted or withdrawn invitation and for a cohort nobody can join any more."""
    cohort = place.cohort
    if cohort.is_read_only:
        raise CohortInvitationConflict(
            f"The cohort “{cohort.name}” is {cohort.get_status_display().lower()}: nobody can "
            "join it now, so there is no invitation to send.")
    try:
        invitation = invitation_renew(invitation=place.invitation)
    except InvitationError as error:
        raise CohortInvitationConflict(str(error)) from error
    place.invitation = invitation
    notification_enqueue(
        organization=cohort.organization, recipient=None, email=invitation.email,
        kind=INVITATION_KIND, key=f"invitation:{invitation.pk}:resent:{invitation.token[:16]}",
        template=INVITATION_TEMPLATE,
        context={**cohort_invitation_email_context(cohort=cohort, actor=actor),
                 "name": place.name, "participant_role": ParticipantRole(place.role).label,
                 "expires_at": invitation.expires_at, "resent": True},
        link=invitation_accept_url(invitation))
    return place


@transaction.atomic
def cohort_invitation_withdraw(*, place: CohortInvitation) -> CohortInvitation:
    """Withdraw the invitation of ``place`` (:func:`accounts.services.invitation_revoke`): its
    link stops working and the person leaves the roster's invited rows. Withdrawing one
    already withdrawn changes nothing; an accepted one is refused
    (:class:`CohortInvitationConflict`): the person has a place now, which is withdrawn as a
    place."""
    locked = Invitation.objects.select_for_update(of=("self",)).get(pk=place.invitation_id)
    if locked.accepted_at is not None:
        raise CohortInvitationConflict(
            f"This invitation was accepted on {locked.accepted_at:%d %B %Y}: the person is a "
            "participant now. Withdraw their place in the cohort instead.")
    place.invitation = invitation_revoke(invitation=locked)
    return place


def _profile_take_invitation_details(*, place: CohortInvitation, membership: Membership
                                     ) -> Profile:
    """Write what the organization said when it invited the person (``place``) into the
    profile of their new membership, where the profile has no answer yet: the person's own
    answers always win. A blank account name takes the invitation's. The manager is linked
    if they are a member, else kept by address until they join; people who named this person
    as their manager before they joined get them as manager now."""
    profile = profile_get_or_create(membership=membership)
    changed = []
    for attribute in ("job_title", "department", "time_zone", "languages"):
        value = getattr(place, attribute)
        if value and not getattr(profile, attribute):
            setattr(profile, attribute, value)
            changed.append(attribute)
    if place.level_id and profile.level_id is None:
        profile.level_id = place.level_id
        changed.append("level")
    if place.manager_email and profile.manager_id is None and not profile.pending_manager_email:
        manager = (Membership.objects
                   .filter(organization_id=membership.organization_id,
                           user__email__iexact=place.manager_email)
                   .exclude(pk=membership.pk).first())
        if manager is not None:
            profile.manager = manager
            changed.append("manager")
        else:
            profile.pending_manager_email = place.manager_email
            changed.append("pending_manager_email")
    if changed:
        profile.full_clean()
        profile.save(update_fields=changed)
    user = membership.user
    (Profile.objects.filter(organization_id=membership.organization_id, manager__isnull=True,
                            pending_manager_email__iexact=user.email)
     .exclude(membership=membership).update(manager=membership, pending_manager_email=""))
    if not user.full_name and place.name:
        user.full_name = place.name
        user.save(update_fields=["full_name"])
    return profile


def _participant_take_invitation_topics(*, place: CohortInvitation,
                                        participant: Participant) -> None:
    """The invitation's topics for a place that has none of its own yet (topics merged since
    are followed to the topic they became; retired ones are left out)."""
    if not place.topics or participant.topics.exists():
        return
    topics = {topic.pk: topic for topic in Topic.objects.filter(
        pk__in=[topic_id for topic_id, _, _ in place.topics]).select_related("merged_into")}
    chosen: dict[tuple[int, str], int] = {}
    for topic_id, interest, strength in place.topics:
        topic = topics.get(topic_id)
        if topic is not None and topic.merged_into_id and topic.merged_into is not None:
            topic = topic.merged_into
        if topic is None or topic.is_retired:
            continue
        key = (topic.pk, interest)
        chosen[key] = max(strength, chosen.get(key, 0))
    ParticipantTopic.objects.bulk_create([
        ParticipantTopic(organization_id=participant.organization_id, participant=participant,
                         topic_id=topic_id, interest=interest, strength=strength)
        for (topic_id, interest), strength in chosen.items()])


@transaction.atomic
def cohort_invitation_accepted(*, invitation: Invitation, membership: Membership
                               ) -> Participant | None:
    """Enroll the person who accepted ``invitation`` in the cohort it names (if any), with
    what the organization said about them when it invited them (profile answers and topics
    they have not given themself), and send the welcome email. A cohort that closed meanwhile
    gets no place, not an error: the person still joins the organization (and their profile
    still takes the invitation's details)."""
    place = (CohortInvitation.objects.filter(invitation=invitation)
             .select_related("cohort__program", "cohort__organization").first())
    if place is None:
        return None
    _profile_take_invitation_details(place=place, membership=membership)
    if place.cohort.is_read_only:
        logger.info("Cohort %s is %s: invitation %s not turned into a place", place.cohort_id,
                    place.cohort.status, invitation.pk)
        return None
    participant = Participant.objects.filter(cohort=place.cohort, membership=membership).first()
    if participant is None:
        participant, _ = participant_enroll(cohort=place.cohort, membership=membership,
                                            role=place.role)
    else:
        _activate(participant, place.role)
    _participant_take_invitation_topics(place=place, participant=participant)
    participant_refresh_completeness(participant=participant)
    participant_send_welcome(participant=participant)
    return participant


# --- self-enrollment -----------------------------------------------------------------------

def enrollment_window_error(*, cohort: Cohort, today: dt.date | None = None) -> str | None:
    """Why nobody can apply to ``cohort`` today, or ``None`` while applications are open."""
    today = today or timezone.localdate()
    if cohort.status != CohortStatus.ENROLLING:
        return (f"Applications for “{cohort.name}” are not open: the cohort is "
                f"{cohort.get_status_display().lower()}. Ask your HR team when the next "
                "cohort opens.")
    if cohort.enrollment_opens and today < cohort.enrollment_opens:
        return (f"Applications for “{cohort.name}” open on "
                f"{cohort.enrollment_opens:%d %B %Y}. Come back then.")
    if cohort.enrollment_closes and today > cohort.enrollment_closes:
        return (f"Applications for “{cohort.name}” closed on "
                f"{cohort.enrollment_closes:%d %B %Y}. Ask your HR team about the next cohort.")
    return None


@transaction.atomic
def participant_apply(
    *, cohort: Cohort, membership: Membership, role: str, note: str,
    teach: list[Topic] | None = None, learn: list[Topic] | None = None,
) -> Participant:
    """A member applies to an enrolling cohort; an HR admin approves or declines later."""
    _check_role(role)
    error = enrollment_window_error(cohort=cohort)
    if error:
        raise ValidationError(error)
    existing = Participant.objects.filter(cohort=cohort, membership=membership).first()
    if existing is not None and existing.status != ParticipantStatus.WITHDRAWN:
        messages = {
            ParticipantStatus.APPLIED: "You have already applied to this cohort; HR will "
                                       "let you know their decision by email.",
            ParticipantStatus.ACTIVE: "You are already enrolled in this cohort.",
            ParticipantStatus.DECLINED: "Your application to this cohort was declined. "
                                        "Ask your HR team if you would like to discuss it.",
        }
        raise ValidationError(messages[existing.status])
    if existing is not None:
        existing.role, existing.status = role, ParticipantStatus.APPLIED
        existing.application_note, existing.decided_at = note.strip(), None
        existing.full_clean()
        existing.save()
        participant = existing
    else:
        participant, _ = participant_enroll(cohort=cohort, membership=membership, role=role,
                                            status=ParticipantStatus.APPLIED,
                                            application_note=note.strip())
    strength = 2
    participant_set_topics(participant=participant,
                           teach=dict.fromkeys(teach or [], strength),
                           learn=dict.fromkeys(learn or [], strength))
    return participant


@transaction.atomic
def participant_decide_application(
    *, participant: Participant, approve: bool, actor: User | None, reason: str = "",
) -> Participant:
    """Approve (enroll, with the welcome email) or decline an application; the applicant is
    told either way (notification kind ``application_decision``)."""
    locked = Participant.objects.select_for_update(of=("self",)).select_related(
        "cohort__program", "cohort__organization", "membership__user").get(pk=participant.pk)
    if locked.status != ParticipantStatus.APPLIED:
        raise ValidationError(f"{locked.membership.user.display_name} has no open application "
                              f"(status: {locked.get_status_display().lower()}).")
    if approve:
        _check_open_for_people(locked.cohort)
    locked.status = ParticipantStatus.ACTIVE if approve else ParticipantStatus.DECLINED
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_at", "updated_at"])
    user = locked.membership.user
    notification_enqueue(
        organization=locked.cohort.organization, recipient=user, email=user.email,
        kind="application_decision", key=f"application_decision:{locked.pk}",
        template="programs/email/application_decision",
        context={**_welcome_context(locked), "approved": approve, "reason": reason.strip(),
                 "decided_by": actor.display_name if actor else ""},
        link=participant_profile_path(locked) if approve else "",
    )
    if approve:
        participant_send_welcome(participant=locked)
    participant.status, participant.decided_at = locked.status, locked.decided_at
    return locked


# --- the participant's own profile ---------------------------------------------------------

PROFILE_FIELDS = ("job_title", "department", "level", "manager", "location", "time_zone",
                  "languages", "generation_band", "bio")


def _check_partners(participant: Participant, requested: list[Participant],
                    excluded: list[Participant]) -> None:
    errors: dict[str, list[str]] = {}
    for field, chosen in (("requested_partners", requested), ("excluded_partners", excluded)):
        for other in chosen:
            if other.cohort_id != participant.cohort_id:
                errors.setdefault(field, []).append(f"{other} is not in this cohort.")
            elif other.pk == participant.pk:
                errors.setdefault(field, []).append("You cannot choose yourself.")
    both = {p.pk for p in requested} & {p.pk for p in excluded}
    if both:
        errors.setdefault("excluded_partners", []).append(
            "Someone is both requested and excluded: keep them in one list only.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def participant_profile_update(
    *, participant: Participant, profile_fields: dict, capacity: int | None,
    learning_goals: str, availability: list[dict], teach: dict[Topic, int],
    learn: dict[Topic, int], requested: list[Participant], excluded: list[Participant],
) -> Participant:
    """Save everything a participant says about themself and recompute completeness.

    ``profile_fields`` holds :data:`PROFILE_FIELDS` (shared by all their cohorts); the rest
    belongs to this cohort. Capacity applies to mentors only (1–3).
    """
    unknown = set(profile_fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValidationError(f"Unknown profile fields: {', '.join(sorted(unknown))}.")
    problems = availability_problems(availability)
    if problems:
        raise ValidationError({"availability": [
            f"Window {p.row + 1}: {p.message}" if p.row is not None else p.message
            for p in problems]})
    profile = participant.profile
    manager = profile_fields.get("manager")
    if manager is not None and (manager.organization_id != participant.organization_id
                                or manager.pk == participant.membership_id):
        raise ValidationError({"manager": "Choose another member of your organization."})
    level = profile_fields.get("level")
    if level is not None and level.organization_id != participant.organization_id:
        raise ValidationError({"level": "Choose a level of your organization's ladder."})
    _check_partners(participant, requested, excluded)
    for name, value in profile_fields.items():
        setattr(profile, name, value)
    if "manager" in profile_fields:
        profile.pending_manager_email = ""  # the person chose (or cleared) their manager
    profile.full_clean()
    profile.save()
    participant.capacity = capacity if participant.role == ParticipantRole.MENTOR else None
    participant.learning_goals = learning_goals.strip()
    participant.availability = availability_normalise(availability)
    participant.full_clean()
    participant.save(update_fields=["capacity", "learning_goals", "availability", "updated_at"])
    participant.requested_partners.set(requested)
    participant.excluded_partners.set(excluded)
    participant_set_topics(participant=participant, teach=teach, learn=learn)
    getattr(participant, "_prefetched_objects_cache", {}).pop("topics", None)
    participant_refresh_completeness(participant=participant)
    return participant


# --- reminders -----------------------------------------------------------------------------

def _iso_week(today: dt.date) -> str:
    year, week, _ = today.isocalendar()
    return f"{year}-W{week:02d}"


def cohort_remind_incomplete_profiles(*, cohort: Cohort, today: dt.date | None = None) -> int:
    """Queue a "complete your profile" reminder to each enrolled participant of ``cohort``
    whose profile is incomplete. Returns how many new reminders were queued.

    Idempotent per participant per ISO week (the notification key), so pressing the button
    twice or a duplicated task sends nobody a second reminder that week.
    """
    week = _iso_week(today or timezone.localdate())
    participants = (Participant.objects
                    .filter(cohort=cohort, status=ParticipantStatus.ACTIVE)
                    .select_related("membership__user", "profile", "cohort__program",
                                    "cohort__organization")
                    .prefetch_related("topics"))
    queued = 0
    for participant in participants:
        result = participant_refresh_completeness(participant=participant)
        if result.percent >= 100:
            continue
        user = participant.membership.user
        key = f"profile_reminder:{participant.pk}:{week}"
        if Notification.objects.filter(key=key).exists():
            continue
        notification = notification_enqueue(
            organization=cohort.organization, recipient=user, email=user.email,
            kind="profile_reminder", key=key, template="programs/email/profile_reminder",
            context={**_welcome_context(participant), "percent": result.percent,
                     "missing": result.missing},
            link=participant_profile_path(participant),
        )
        if notification is not None:
            queued += 1
    return queued


# --- changes by an HR admin or the participant (API) --------------------------------------

#: Status moves an admin may make directly; applications are decided with
#: :func:`participant_decide_application` (which also tells the applicant).
STATUS_MOVES = {
    (ParticipantStatus.ACTIVE, ParticipantStatus.WITHDRAWN),
    (ParticipantStatus.WITHDRAWN, ParticipantStatus.ACTIVE),
    (ParticipantStatus.DECLINED, ParticipantStatus.ACTIVE),
}


@transaction.atomic
def participant_update(
    *, participant: Participant, actor: User | None, role: str | None = None,
    status: str | None = None, capacity: int | None = None, learning_goals: str | None = None,
) -> Participant:
    """Change a place in a cohort; ``None`` leaves a field as it is.

    Deciding an application (applied → active/declined) goes through
    :func:`participant_decide_application`; withdrawn or declined people may be re-enrolled
    (their welcome email, if they never had one, is sent then). Capacity is for mentors only.
    """
    if participant.cohort.is_read_only:
        raise ValidationError(f"The cohort is {participant.cohort.get_status_display().lower()}"
                              ": its participants can no longer be changed.")
    if status is not None and status != participant.status:
        if participant.status == ParticipantStatus.APPLIED and status in (
                ParticipantStatus.ACTIVE, ParticipantStatus.DECLINED):
            participant = participant_decide_application(
                participant=participant, approve=status == ParticipantStatus.ACTIVE,
                actor=actor)
        elif (participant.status, status) in STATUS_MOVES:
            participant.status = status
            participant.decided_at = timezone.now()
            participant.save(update_fields=["status", "decided_at", "updated_at"])
            if status == ParticipantStatus.ACTIVE:
                participant_send_welcome(participant=participant)
            elif status == ParticipantStatus.WITHDRAWN:
                participant_withdrawn.send(sender=Participant, participant=participant,
                                           actor=actor)
        else:
            raise ValidationError({"status": f"A {participant.get_status_display().lower()} "
                                             f"participant cannot become {status}."})
    changed = []
    if role is not None and role != participant.role:
        _check_role(role)
        participant.role = role
        changed.append("role")
    if capacity is not None and capacity != participant.capacity:
        if participant.role != ParticipantRole.MENTOR:
            raise ValidationError({"capacity": "Only mentors have a capacity."})
        participant.capacity = capacity
        changed.append("capacity")
    if learning_goals is not None and learning_goals.strip() != participant.learning_goals:
        participant.learning_goals = learning_goals.strip()
        changed.append("learning_goals")
    if changed:
        participant.full_clean()
        participant.save(update_fields=[*changed, "updated_at"])
        participant_refresh_completeness(participant=participant)
    return participant
