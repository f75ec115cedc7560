"""Writing a checked plan with bulk inserts and updates (inside the import's transaction).

Members of the organization get their profile and place written at once. Everyone else (not a
member, whatever Flipside knows about the address) gets an invitation into the cohort that
holds the file's details; they become a participant when they accept it
(:func:`programs.services.participants.cohort_invitation_accepted`). No account is created,
read or changed for them.
"""

from __future__ import annotations

from django.utils import timezone

from accounts.models import Invitation, Role, User
from accounts.services import invitation_accept_url
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from programs.imports.planning import ImportPlan, PlannedRow, chunks, place_topic_maps
from programs.models import (
    Cohort,
    CohortInvitation,
    Participant,
    ParticipantRole,
    ParticipantStatus,
    ParticipantTopic,
    Profile,
    TopicInterest,
)
from programs.selectors import cohort_invitation_completeness, participant_completeness


def _insert(model, objects: list, key: str, lookup: dict) -> dict:
    """``bulk_create`` and return the new rows by ``key``. PostgreSQL and SQLite ≥ 3.35 hand
    back primary keys; elsewhere the rows are read back in chunks."""
    created = model.objects.bulk_create(objects)
    if all(obj.pk is not None for obj in created):
        return {getattr(obj, key): obj for obj in created}
    found: dict = {}
    values = [getattr(obj, key) for obj in objects]
    for chunk in chunks(values):
        found.update({getattr(obj, key): obj
                      for obj in model.objects.filter(**lookup, **{f"{key}__in": chunk})})
    return found


def _reporting_line(row: PlannedRow, members: dict) -> tuple[int | None, str] | None:
    """``(manager membership id, pending manager email)`` the file gives ``row``, or ``None``
    when its cell is blank (the stored line stays). A manager who is invited but not a
    member yet is kept by address until they join."""
    if row.manager_email is None:
        return None
    manager = members.get(row.manager_email)
    return (manager.pk, "") if manager is not None else (None, row.manager_email)


def plan_write(plan: ImportPlan) -> list[Participant]:
    """Write the plan's rows of members with bulk queries; returns the newly enrolled
    participants."""
    cohort = plan.cohort
    organization = cohort.organization
    rows = [row for row in plan.rows if row.membership is not None]

    # A member's blank account name is filled in.
    unnamed = [row for row in rows if not row.user.full_name and row.name]
    for row in unnamed:
        row.user.full_name = row.name
    User.objects.bulk_update([row.user for row in unnamed], ["full_name"], batch_size=500)
    lines = {row.email: _reporting_line(row, plan.members) for row in rows}

    # Profiles: new ones carry the file's values; existing ones change only where filled in.
    fresh = [row for row in rows if row.profile is None]
    if fresh:
        made = _insert(Profile, [
            Profile(organization=organization, membership=row.membership,
                    job_title=row.title or "", department=row.department or "",
                    level=row.level, time_zone=row.time_zone or "",
                    languages=row.languages or [],
                    manager_id=(lines[row.email] or (None, ""))[0],
                    pending_manager_email=(lines[row.email] or (None, ""))[1])
            for row in fresh], "membership_id", {})
        for row in fresh:
            row.profile = made[row.membership.pk]
    changed_fields: set[str] = set()
    changed_profiles = []
    fresh_rows = {id(row) for row in fresh}
    for row in rows:
        if id(row) in fresh_rows:
            continue
        profile = row.profile
        updates = {attribute: value for attribute, value in (
            ("job_title", row.title), ("department", row.department),
            ("time_zone", row.time_zone), ("languages", row.languages),
            ("level_id", row.level.pk if row.level else None)) if value is not None}
        line = lines[row.email]
        if line is not None:
            updates["manager_id"], updates["pending_manager_email"] = line
        dirty = False
        for attribute, value in updates.items():
            if getattr(profile, attribute) != value:
                setattr(profile, attribute, value)
                changed_fields.add(attribute)
                dirty = True
        if dirty:
            changed_profiles.append(profile)
    if changed_profiles:
        Profile.objects.bulk_update(changed_profiles, sorted(changed_fields), batch_size=500)

    # Places in the cohort, new ones with their completeness already computed.
    enrolling = [row for row in rows if row.participant is None]
    if enrolling:
        places = []
        for row in enrolling:
            place = Participant(organization=organization, cohort=cohort,
                                membership=row.membership, profile=row.profile, role=row.role,
                                status=ParticipantStatus.ACTIVE)
            place.completeness = participant_completeness(
                participant=place, profile=row.profile, teach_count=len(row.teach or {}),
                learn_count=len(row.learn or {})).percent
            places.append(place)
        placed = _insert(Participant, places, "membership_id", {"cohort": cohort})
        for row in enrolling:
            row.participant = placed[row.membership.pk]
            row.participant.membership, row.participant.profile = row.membership, row.profile
    enrolled_rows = {id(row) for row in enrolling}
    existing = [row for row in rows if id(row) not in enrolled_rows]
    role_changes = [row.participant for row in existing if row.participant.role != row.role]
    for row in existing:
        row.participant.role = row.role
    Participant.objects.bulk_update(role_changes, ["role"], batch_size=500)

    _apply_topics(plan, rows)
    _refresh_completeness(plan, existing)
    # A member's invitation into this cohort that was never answered has done its work.
    _revoke([row.place.invitation_id for row in rows if row.place is not None])
    return [row.participant for row in enrolling]


def _revoke(invitation_ids: list[int]) -> None:
    now = timezone.now()
    for chunk in chunks(invitation_ids):
        Invitation.objects.filter(pk__in=chunk).update(revoked_at=now)


def _place_topics(row: PlannedRow, current: list | None = None) -> list[list]:
    """The place's ``topics`` after the file: a filled cell replaces that interest's topics."""
    kept = place_topic_maps(current or [])
    for interest, wanted in ((TopicInterest.TEACH, row.teach), (TopicInterest.LEARN, row.learn)):
        if wanted is not None:
            kept[interest] = wanted
    return [[topic_id, interest, strength]
            for interest in (TopicInterest.TEACH, TopicInterest.LEARN)
            for topic_id, strength in sorted(kept[interest].items())]


def _place_fill(place: CohortInvitation, row: PlannedRow) -> None:
    """Write the file's cells into an invitation's details: a filled cell replaces, a blank
    one keeps (as for a member's profile)."""
    place.role = row.role
    if row.name:
        place.name = row.name
    place.refresh_name_key()
    for key, attribute in (("title", "job_title"), ("department", "department"),
                           ("time_zone", "time_zone"), ("languages", "languages"),
                           ("manager_email", "manager_email")):
        value = getattr(row, key)
        if value is not None:
            setattr(place, attribute, value)
    if row.level is not None:
        place.level = row.level
    place.topics = _place_topics(row, place.topics)
    place.completeness = cohort_invitation_completeness(place=place).percent


_PLACE_FIELDS = ["role", "name", "name_key", "job_title", "department", "time_zone",
                 "languages", "manager_email", "level", "topics", "completeness"]


def places_invite(plan: ImportPlan, actor: User | None) -> list[tuple[PlannedRow, Invitation]]:
    """Invite into the cohort every row that is not a member of the organization, with the
    file's details; returns the new invitations (each gets an email).

    A row with an open invitation into this cohort keeps it (same link, no new email) and only
    its details change. Otherwise a new :class:`~accounts.models.Invitation` (member role) and
    its :class:`~programs.models.CohortInvitation` are written, and an expired one into this
    cohort is withdrawn; invitations into other cohorts stay. Only the organization's own rows
    are written: no account is looked up, created or changed.
    """
    cohort = plan.cohort
    organization = cohort.organization
    open_rows = [row for row in plan.rows if row.membership is None and row.is_invited]
    changed = [row for row in open_rows if row.preview.changes]
    for row in changed:
        _place_fill(row.place, row)
    CohortInvitation.objects.bulk_update([row.place for row in changed], _PLACE_FIELDS,
                                         batch_size=500)

    rows = [row for row in plan.rows if row.membership is None and not row.is_invited]
    if not rows:
        return []
    _revoke([row.place.invitation_id for row in rows if row.place is not None])
    expires_at = Invitation._meta.get_field("expires_at").get_default()
    fresh = [Invitation(organization=organization, email=row.email, role=Role.MEMBER,
                        invited_by=actor, expires_at=expires_at) for row in rows]
    created = _insert(Invitation, fresh, "token", {"organization": organization})
    invited = [(row, created[invitation.token]) for row, invitation in zip(rows, fresh,
                                                                             strict=True)]
    places = []
    for row, invitation in invited:
        place = CohortInvitation(organization=organization, invitation=invitation,
                                 cohort=cohort, role=row.role)
        _place_fill(place, row)
        places.append(place)
    CohortInvitation.objects.bulk_create(places)
    return invited


INVITATION_KIND = "invitation"
INVITATION_TEMPLATE = "programs/email/cohort_invitation"


def participants_send_invitations_bulk(*, invited: list[tuple[PlannedRow, Invitation]],
                                       cohort: Cohort, actor: User | None) -> list[str]:
    """Queue the email of each invitation made by :func:`places_invite` through the bulk
    outbox (kind ``invitation``, key ``invitation:<id>`` as for any invitation). The email
    says who invited them into which program, and that they accept with the account they have
    or one they create. It goes to the address, not to an account: no account's preferences,
    quiet hours or sign-in link apply, so every invitation of an import leaves alike. Returns
    the notification keys."""
    if not invited:
        return []
    program = cohort.program
    organization = cohort.organization
    inviter = actor.display_name if actor else organization.name
    shared = {"organization": organization.name, "inviter": inviter,
              "program_name": program.name, "purpose": program.purpose,
              "cohort_name": cohort.name, "start_date": cohort.start_date,
              "end_date": cohort.end_date}
    drafts = [NotificationDraft(
        recipient=None, email=row.email, key=f"invitation:{invitation.pk}",
        link=invitation_accept_url(invitation),
        context={**shared, "name": row.name,
                 "participant_role": ParticipantRole(row.role).label,
                 "expires_at": invitation.expires_at})
        for row, invitation in invited]
    notifications_enqueue_bulk(organization=organization, kind=INVITATION_KIND,
                               template=INVITATION_TEMPLATE, drafts=drafts)
    return [draft.key for draft in drafts]


def _apply_topics(plan: ImportPlan, rows: list[PlannedRow]) -> None:
    to_create, to_update, to_delete = [], [], []
    for row in rows:
        current = plan.existing_topics.get(row.participant.pk, [])
        for interest, wanted in ((TopicInterest.TEACH, row.teach),
                                 (TopicInterest.LEARN, row.learn)):
            if wanted is None:
                continue
            have = {t.topic_id: t for t in current if t.interest == interest}
            for topic_id, existing in have.items():
                if topic_id not in wanted:
                    to_delete.append(existing.pk)
                elif existing.strength != wanted[topic_id]:
                    existing.strength = wanted[topic_id]
                    to_update.append(existing)
            to_create.extend(
                ParticipantTopic(organization_id=row.participant.organization_id,
                                 participant=row.participant, topic_id=topic_id,
                                 interest=interest, strength=strength)
                for topic_id, strength in wanted.items() if topic_id not in have)
    for chunk in chunks(to_delete):
        ParticipantTopic.objects.filter(pk__in=chunk).delete()
    ParticipantTopic.objects.bulk_update(to_update, ["strength"], batch_size=500)
    created = ParticipantTopic.objects.bulk_create(to_create)
    for interest in created:
        plan.existing_topics.setdefault(interest.participant_id, []).append(interest)
    deleted = set(to_delete)
    for participant_id, topics in plan.existing_topics.items():
        plan.existing_topics[participant_id] = [t for t in topics if t.pk not in deleted]


def _refresh_completeness(plan: ImportPlan, rows: list[PlannedRow]) -> None:
    changed = []
    for row in rows:
        participant = row.participant
        topics = plan.existing_topics.get(participant.pk, [])
        percent = participant_completeness(
            participant=participant, profile=row.profile,
            teach_count=sum(1 for t in topics if t.interest == TopicInterest.TEACH),
            learn_count=sum(1 for t in topics if t.interest == TopicInterest.LEARN)).percent
        if percent != participant.completeness:
            participant.completeness = percent
            changed.append(participant)
    Participant.objects.bulk_update(changed, ["completeness"], batch_size=500)
