"""Writing a checked plan with bulk inserts and updates (inside the import's transaction)."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import Invitation, Membership, Role, User
from accounts.services import invitation_accept_url
from core.notifications import NotificationDraft, notifications_enqueue_bulk
from programs.imports.planning import ImportPlan, PlannedRow, chunks
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
from programs.selectors import participant_completeness


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


def plan_write(plan: ImportPlan) -> list[Participant]:
    """Write the plan with bulk queries; returns the newly enrolled participants.

    Rows of accounts that are not members here (:attr:`PlannedRow.account_elsewhere`) are
    left out: nothing of those accounts is written (see :func:`accounts_elsewhere_invite`).
    """
    cohort = plan.cohort
    organization = cohort.organization
    rows = [row for row in plan.rows if not row.account_elsewhere]

    # Accounts for new people: no usable password, email verified (the organization vouches).
    new_rows = [row for row in rows if row.user is None]
    if new_rows:
        now = timezone.now()
        created = _insert(User, [
            User(email=row.email, full_name=row.name, password=make_password(None),
                 date_joined=now) for row in new_rows], "email", {})
        for row in new_rows:
            row.user = created[row.email]
        EmailAddress.objects.bulk_create([
            EmailAddress(user=row.user, email=row.email, verified=True, primary=True)
            for row in new_rows], ignore_conflicts=True)
    # A member's blank account name is filled in; accounts that are not members are not in rows.
    unnamed = [row for row in rows if not row.user.full_name and row.name]
    for row in unnamed:
        row.user.full_name = row.name
    User.objects.bulk_update([row.user for row in unnamed], ["full_name"], batch_size=500)

    # Memberships.
    joining = [row for row in rows if row.membership is None]
    if joining:
        joined = _insert(Membership, [
            Membership(organization=organization, user=row.user, role=Role.MEMBER)
            for row in joining], "user_id", {})
        for row in joining:
            row.membership = joined[row.user.pk]
            row.membership.user = row.user
    membership_by_email = {row.email: row.membership for row in rows}
    manager_ids = _manager_membership_ids(rows, membership_by_email)

    # Profiles: new ones carry the file's values; existing ones change only where filled in.
    fresh = [row for row in rows if row.profile is None]
    if fresh:
        made = _insert(Profile, [
            Profile(organization=organization, membership=row.membership,
                    job_title=row.title or "", department=row.department or "",
                    level=row.level, manager_id=manager_ids.get(row.email),
                    time_zone=row.time_zone or "", languages=row.languages or [])
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
        updates = {"job_title": row.title, "department": row.department,
                   "time_zone": row.time_zone, "languages": row.languages,
                   "level_id": row.level.pk if row.level else None,
                   "manager_id": manager_ids.get(row.email)}
        dirty = False
        for attribute, value in updates.items():
            if value is not None and getattr(profile, attribute) != value:
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
    return [row.participant for row in enrolling]


def accounts_elsewhere_invite(plan: ImportPlan, actor: User | None
                               ) -> list[tuple[PlannedRow, Invitation]]:
    """Invite into the cohort every row whose address has an account but is not a member.

    Only rows of this organization are written: an :class:`~accounts.models.Invitation` (the
    organization's own row, member role) and the :class:`~programs.models.CohortInvitation`
    that enrolls the person when they accept. The account itself is not read beyond its
    address and not changed: no name, no membership, no profile, no place. A pending
    invitation of the same address into this cohort is replaced (new link, new expiry), as
    :func:`accounts.services.invitation_create` does; invitations into other cohorts stay.
    """
    rows = [row for row in plan.rows if row.account_elsewhere]
    if not rows:
        return []
    cohort = plan.cohort
    organization = cohort.organization
    emails = [row.email for row in rows]
    replaced: list[int] = []
    for chunk in chunks(emails):
        replaced.extend(CohortInvitation.objects.filter(
            cohort=cohort, invitation__email__in=chunk, invitation__accepted_at__isnull=True,
            invitation__revoked_at__isnull=True).values_list("invitation_id", flat=True))
    now = timezone.now()
    for chunk in chunks(replaced):
        Invitation.objects.filter(pk__in=chunk).update(revoked_at=now)
    expires_at = Invitation._meta.get_field("expires_at").get_default()
    fresh = [Invitation(organization=organization, email=row.email, role=Role.MEMBER,
                        invited_by=actor, expires_at=expires_at) for row in rows]
    created = _insert(Invitation, fresh, "token", {"organization": organization})
    invited = [(row, created[invitation.token]) for row, invitation in zip(rows, fresh,
                                                                             strict=True)]
    CohortInvitation.objects.bulk_create([
        CohortInvitation(organization=organization, invitation=invitation, cohort=cohort,
                         role=row.role) for row, invitation in invited])
    return invited


def participants_send_invitations_bulk(*, invited: list[tuple[PlannedRow, Invitation]],
                                       cohort: Cohort, actor: User | None) -> list[str]:
    """Queue the email of each invitation made by :func:`accounts_elsewhere_invite` through
    the bulk outbox (kind ``invitation``, key ``invitation:<id>`` as for any invitation).
    The email says who invited them into which program and that they accept with the account
    they already have. Returns the notification keys."""
    if not invited:
        return []
    program = cohort.program
    organization = cohort.organization
    inviter = actor.display_name if actor else organization.name
    drafts = [NotificationDraft(
        recipient=row.user, email=row.user.email, key=f"invitation:{invitation.pk}",
        link=invitation_accept_url(invitation),
        context={"name": "", "organization": organization.name, "inviter": inviter,
                 "program_name": program.name, "purpose": program.purpose,
                 "cohort_name": cohort.name, "start_date": cohort.start_date,
                 "end_date": cohort.end_date,
                 "participant_role": ParticipantRole(row.role).label,
                 "expires_at": invitation.expires_at})
        for row, invitation in invited]
    notifications_enqueue_bulk(organization=organization, kind="invitation",
                               template="programs/email/cohort_invitation", drafts=drafts)
    return [draft.key for draft in drafts]


def _manager_membership_ids(rows: list[PlannedRow],
                            membership_by_email: dict[str, Membership]) -> dict[str, int]:
    wanted = {row.manager_email for row in rows if row.manager_email}
    missing = sorted(wanted - set(membership_by_email))
    found: dict[str, int] = {}
    for chunk in chunks(missing):
        found.update({email.lower(): pk for email, pk in Membership.objects.filter(
            user__email__in=chunk).values_list("user__email", "pk")})
        case_blind = [e for e in chunk if e not in found]
        if case_blind:
            found.update({email.lower(): pk for email, pk in Membership.objects
                          .annotate(email_lower=Lower("user__email"))
                          .filter(email_lower__in=case_blind)
                          .values_list("user__email", "pk")})
    result = {}
    for row in rows:
        if row.manager_email:
            membership = membership_by_email.get(row.manager_email)
            # None: a manager who is not a member (yet), e.g. invited by this same import
            result[row.email] = membership.pk if membership else found.get(row.manager_email)
    return result


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
