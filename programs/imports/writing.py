"""Writing a checked plan with bulk inserts and updates (inside the import's transaction).

Members of the organization get their profile and place written at once. Everyone else (not a
member, whatever Flipside knows about the address) gets an invitation into the cohort that
holds the file's details; they become a participant when they accept it
(:func:`programs.services.participants.cohort_invitation_accepted`). No account is created,
read or changed for them.

Rows are written with :mod:`core.bulk` (a few statements per thousand rows, no
model instance per row); only the new participants, which their welcome emails need, are
built as instances.
"""

from __future__ import annotations

from typing import NamedTuple

from django.utils import timezone

from accounts import names
from accounts.models import Invitation, Role, User
from accounts.services import invitation_accept_url
from core.bulk import rows_insert, rows_update
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from programs.completeness import ProfileFacts, profile_completeness
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

_INTERESTS = (TopicInterest.TEACH, TopicInterest.LEARN)


def _reporting_line(row: PlannedRow, members: dict) -> tuple[int | None, str] | None:
    """``(manager membership id, pending manager email)`` the file gives ``row``, or ``None``
    when its cell is blank (the stored line stays). A manager who is invited but not a
    member yet is kept by address until they join."""
    if row.manager_email is None:
        return None
    manager = members.get(row.manager_email)
    return (manager.pk, "") if manager is not None else (None, row.manager_email)


def _percent(*, role: str, job_title: str, department: str, level_id: int | None,
             time_zone: str, languages: list, teach: int, learn: int, learning_goals: str = "",
             windows: int = 0) -> int:
    """:func:`~programs.completeness.profile_completeness` of plain values (the measure
    ``participant_completeness`` and ``cohort_invitation_completeness`` take)."""
    return profile_completeness(ProfileFacts(
        role=role, job_title=job_title, department=department, has_level=level_id is not None,
        time_zone=time_zone, languages=languages, teach_count=teach, learn_count=learn,
        learning_goals=learning_goals, availability_windows=windows)).percent


def plan_write(plan: ImportPlan) -> list[Participant]:
    """Write the plan's rows of members with bulk queries; returns the newly enrolled
    participants (instances with their membership, for their welcome emails)."""
    cohort = plan.cohort
    organization_id = cohort.organization_id
    rows = [row for row in plan.rows if row.membership is not None]

    # A member's blank account name is filled in.
    named = []
    for row in rows:
        user = row.user
        if not user.full_name and row.name:
            user.full_name = row.name
            user.refresh_name_key()
            named.append({"pk": user.pk, "full_name": user.full_name,
                          "name_key": user.name_key})
    rows_update(User, named, ["full_name", "name_key"])
    lines = {row.email: _reporting_line(row, plan.members) for row in rows}

    # Profiles: new ones carry the file's values; existing ones change only where filled in.
    fresh = [row for row in rows if row.profile is None]
    fresh_values = {}
    for row in fresh:
        manager_id, pending = lines[row.email] or (None, "")
        fresh_values[row.email] = {
            "organization_id": organization_id, "membership_id": row.membership.pk,
            "job_title": row.title or "", "department": row.department or "",
            "level_id": row.level.pk if row.level else None, "time_zone": row.time_zone or "",
            "languages": row.languages or [], "manager_id": manager_id,
            "pending_manager_email": pending}
    profile_ids = dict(zip((row.email for row in fresh),
                           rows_insert(Profile, list(fresh_values.values())), strict=True))
    changed_fields: set[str] = set()
    changed_profiles = []
    for row in rows:
        if row.profile is None:
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
    fields = sorted(changed_fields)
    rows_update(Profile, [{"pk": p.pk, **{f: getattr(p, f) for f in fields}}
                          for p in changed_profiles], fields)

    # Places in the cohort, new ones with their completeness already computed, and topics.
    existing = [row for row in rows if row.participant is not None]
    enrolling = [row for row in rows if row.participant is None]
    places = []
    for row in enrolling:
        if row.profile is None:
            profile = fresh_values[row.email]
            answers = {key: profile[key] for key in ("job_title", "department", "level_id",
                                                     "time_zone", "languages")}
        else:
            answers = {key: getattr(row.profile, key) for key in (
                "job_title", "department", "level_id", "time_zone", "languages")}
        places.append({
            "organization_id": organization_id, "cohort_id": cohort.pk,
            "membership_id": row.membership.pk,
            "profile_id": row.profile.pk if row.profile else profile_ids[row.email],
            "role": row.role, "status": ParticipantStatus.ACTIVE,
            "completeness": _percent(role=row.role, teach=len(row.teach or {}),
                                     learn=len(row.learn or {}), **answers)})
    enrolled = []
    for row, values, pk in zip(enrolling, places, rows_insert(Participant, places),
                               strict=True):
        participant = Participant(id=pk, **values)
        participant.membership = row.membership
        row.participant = participant
        enrolled.append(participant)
    rows_insert(ParticipantTopic, [
        {"organization_id": organization_id, "participant_id": row.participant.pk,
         "topic_id": topic_id, "interest": interest, "strength": strength}
        for row in enrolling
        for interest, wanted in zip(_INTERESTS, (row.teach, row.learn), strict=True)
        for topic_id, strength in (wanted or {}).items()])

    role_changes = []
    for row in existing:
        if row.participant.role != row.role:
            row.participant.role = row.role
            role_changes.append({"pk": row.participant.pk, "role": row.role})
    rows_update(Participant, role_changes, ["role"])
    counts = _apply_topics(plan, existing)
    _refresh_completeness(existing, counts)
    # A member's invitation into this cohort that was never answered has done its work.
    _revoke([row.place.invitation_id for row in rows if row.place is not None])
    return enrolled


def _revoke(invitation_ids: list[int]) -> None:
    now = timezone.now()
    for chunk in chunks(invitation_ids):
        Invitation.objects.filter(pk__in=chunk).update(revoked_at=now)


def _place_topics(row: PlannedRow, current: list | None = None) -> list[list]:
    """The place's ``topics`` after the file: a filled cell replaces that interest's topics."""
    kept = place_topic_maps(current or [])
    for interest, wanted in zip(_INTERESTS, (row.teach, row.learn), strict=True):
        if wanted is not None:
            kept[interest] = wanted
    return [[topic_id, interest, strength] for interest in _INTERESTS
            for topic_id, strength in sorted(kept[interest].items())]


#: The details a :class:`~programs.models.CohortInvitation` holds, by ``attname``.
_PLACE_FIELDS = ["role", "name", "name_key", "job_title", "department", "time_zone",
                 "languages", "manager_email", "level_id", "topics", "completeness"]


def _place_details(row: PlannedRow, email: str, current: dict | None = None) -> dict:
    """An invitation's details after the file: a filled cell replaces, a blank one keeps
    (as for a member's profile); ``current`` holds the stored ones (none: a new invitation)."""
    details = dict(current or {"name": "", "job_title": "", "department": "",
                               "time_zone": "", "languages": [], "manager_email": "",
                               "level_id": None, "topics": []})
    details["role"] = row.role
    for key, attribute in (("name", "name"), ("title", "job_title"),
                           ("department", "department"), ("time_zone", "time_zone"),
                           ("languages", "languages"), ("manager_email", "manager_email")):
        value = getattr(row, key)
        if value:
            details[attribute] = value
    if row.level is not None:
        details["level_id"] = row.level.pk
    details["name_key"] = names.name_key(details["name"] or email)
    details["topics"] = _place_topics(row, details["topics"])
    teach = sum(1 for _, interest, _ in details["topics"] if interest == TopicInterest.TEACH)
    details["completeness"] = _percent(
        role=row.role, job_title=details["job_title"], department=details["department"],
        level_id=details["level_id"], time_zone=details["time_zone"],
        languages=details["languages"], teach=teach, learn=len(details["topics"]) - teach)
    return details


class NewInvitation(NamedTuple):
    row: PlannedRow
    pk: int
    token: str
    expires_at: object


def places_invite(plan: ImportPlan, actor: User | None) -> list[NewInvitation]:
    """Invite into the cohort every row that is not a member of the organization, with the
    file's details; returns the new invitations (each gets an email).

    A row with an open invitation into this cohort keeps it (same link, no new email) and only
    its details change. Otherwise a new :class:`~accounts.models.Invitation` (member role) and
    its :class:`~programs.models.CohortInvitation` are written, and an expired one into this
    cohort is withdrawn; invitations into other cohorts stay. Only the organization's own rows
    are written: no account is looked up, created or changed.
    """
    cohort = plan.cohort
    organization_id = cohort.organization_id
    changed = [row for row in plan.rows
               if row.membership is None and row.is_invited and row.preview.changes]
    rows_update(CohortInvitation, [
        {"pk": row.place.pk, **_place_details(row, row.email, {
            attribute: getattr(row.place, attribute) for attribute in _PLACE_FIELDS})}
        for row in changed], _PLACE_FIELDS)

    rows = [row for row in plan.rows if row.membership is None and not row.is_invited]
    if not rows:
        return []
    _revoke([row.place.invitation_id for row in rows if row.place is not None])
    token_field = Invitation._meta.get_field("token")
    expires_at = Invitation._meta.get_field("expires_at").get_default()
    tokens = [token_field.get_default() for _ in rows]
    invitation_ids = rows_insert(Invitation, [
        {"organization_id": organization_id, "email": row.email, "role": Role.MEMBER,
         "invited_by_id": actor.pk if actor else None, "token": token,
         "expires_at": expires_at} for row, token in zip(rows, tokens, strict=True)])
    rows_insert(CohortInvitation, [
        {"organization_id": organization_id, "invitation_id": pk, "cohort_id": cohort.pk,
         **_place_details(row, row.email)} for row, pk in zip(rows, invitation_ids, strict=True)])
    return [NewInvitation(row, pk, token, expires_at)
            for row, pk, token in zip(rows, invitation_ids, tokens, strict=True)]


INVITATION_KIND = "invitation"
INVITATION_TEMPLATE = "programs/email/cohort_invitation"


def cohort_invitation_email_context(*, cohort: Cohort, actor: User | None) -> dict:
    """What every invitation email into ``cohort`` says (who invited, which program and
    cohort, when); each message adds the person's name, role and expiry."""
    program = cohort.program
    organization = cohort.organization
    return {"organization": organization.name,
            "inviter": actor.display_name if actor else organization.name,
            "program_name": program.name, "purpose": program.purpose,
            "cohort_name": cohort.name, "start_date": cohort.start_date,
            "end_date": cohort.end_date}


def participants_send_invitations_bulk(*, invited: list[NewInvitation], cohort: Cohort,
                                       actor: User | None) -> list[str]:
    """Queue the email of each invitation made by :func:`places_invite` through the bulk
    outbox (kind ``invitation``, key ``invitation:<id>`` as for any invitation). The email
    says who invited them into which program, and that they accept with the account they have
    or one they create. It goes to the address, not to an account: no account's preferences,
    quiet hours or sign-in link apply, so every invitation of an import leaves alike. Returns
    the notification keys."""
    if not invited:
        return []
    shared = cohort_invitation_email_context(cohort=cohort, actor=actor)
    sentinel = "FLIPSIDETOKEN"  # one reverse() for every link
    link = invitation_accept_url(Invitation(token=sentinel))
    labels = {role: ParticipantRole(role).label for role in ParticipantRole.values}
    drafts = [NotificationDraft(
        recipient=None, email=new.row.email, key=f"invitation:{new.pk}",
        link=link.replace(sentinel, new.token),
        context={**shared, "name": new.row.name, "participant_role": labels[new.row.role],
                 "expires_at": new.expires_at})
        for new in invited]
    notifications_enqueue_bulk(organization=cohort.organization, kind=INVITATION_KIND,
                               template=INVITATION_TEMPLATE, drafts=drafts)
    return [draft.key for draft in drafts]


def _apply_topics(plan: ImportPlan, rows: list[PlannedRow]) -> dict[int, dict[str, int]]:
    """Replace the topics of existing places whose cells are filled; returns each place's
    topic counts by interest afterwards."""
    to_create, to_update, to_delete = [], [], []
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        participant = row.participant
        current = plan.existing_topics.get(participant.pk, [])
        count = counts[participant.pk] = {}
        for interest, wanted in zip(_INTERESTS, (row.teach, row.learn), strict=True):
            have = {t.topic_id: t for t in current if t.interest == interest}
            if wanted is None:
                count[interest] = len(have)
                continue
            count[interest] = len(wanted)
            for topic_id, existing in have.items():
                if topic_id not in wanted:
                    to_delete.append(existing.pk)
                elif existing.strength != wanted[topic_id]:
                    to_update.append({"pk": existing.pk, "strength": wanted[topic_id]})
            to_create.extend(
                {"organization_id": participant.organization_id,
                 "participant_id": participant.pk, "topic_id": topic_id, "interest": interest,
                 "strength": strength}
                for topic_id, strength in wanted.items() if topic_id not in have)
    for chunk in chunks(to_delete):
        ParticipantTopic.objects.filter(pk__in=chunk).delete()
    rows_update(ParticipantTopic, to_update, ["strength"])
    rows_insert(ParticipantTopic, to_create)
    return counts


def _refresh_completeness(rows: list[PlannedRow], counts: dict[int, dict[str, int]]) -> None:
    changed = []
    for row in rows:
        participant, profile = row.participant, row.profile
        count = counts[participant.pk]
        percent = _percent(
            role=participant.role, job_title=profile.job_title,
            department=profile.department, level_id=profile.level_id,
            time_zone=profile.time_zone, languages=profile.languages,
            teach=count[TopicInterest.TEACH], learn=count[TopicInterest.LEARN],
            learning_goals=participant.learning_goals,
            windows=len(participant.availability or []))
        if percent != participant.completeness:
            participant.completeness = percent
            changed.append({"pk": participant.pk, "completeness": percent})
    rows_update(Participant, changed, ["completeness"])
