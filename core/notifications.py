"""The one notification mechanism every feature uses: outbox rows, idempotent sending.

A feature calls :func:`notification_enqueue` inside its transaction. That writes one
``Notification`` row whose unique ``key`` (recipient, kind, subject object, period) makes a
second enqueue of the same message a no-op, then hands the id to Celery *after commit*.
Handing over never blocks a request on the broker: a publish that fails (Redis down or
frozen) is logged and the beat task :func:`core.tasks.drain_notification_outbox` sends
the row later. :func:`notification_send` claims the row under a row lock and marks it sent in
the same transaction, so retries, duplicate deliveries and racing workers send one email.

Templates: ``<name>_subject.txt`` and ``<name>.txt`` are rendered with autoescaping off (plain
text: ``don't`` and ``&`` stay as typed; Markdown goes through ``|markdown_text``), ``<name>.html``
with autoescaping on. The button or link of a message is ``{{ action_url }}``. For the kinds in
``settings.FLIPSIDE_LOGIN_LINK_HOURS`` sent to an account, ``action_url`` is a placeholder that
:func:`notification_send` replaces, when it sends, with the recipient's personal sign-in link to
``link`` (made by accounts/login_links.py, registered with :func:`register_sign_in_link_maker`):
no live token is stored in the outbox, the lifetime counts from delivery, and a bulk enqueue does
no per-person signing at all.

Each app declares its notification kinds in its ``AppConfig.ready``
(:func:`register_notification_kind`); core lists none of them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.template import Context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import conditional_escape

from core.broker import publish_task
from core.bulk import rows_insert
from core.models import Notification, NotificationChannel, NotificationPreference

if TYPE_CHECKING:
    from accounts.models import Organization, User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
DRAIN_GRACE = timedelta(seconds=30)

#: Every notification kind, with the label people see on their preferences page. Each app
#: registers its own in ``AppConfig.ready`` with :func:`register_notification_kind` (core never
#: lists the kinds of the apps above it).
KIND_LABELS: dict[str, str] = {}
#: The channel of a kind for people who never chose one (email, unless registered otherwise:
#: an opt-in kind such as the weekly digest is off until the person turns it on).
KIND_DEFAULTS: dict[str, str] = {}
#: kind -> function(user) -> whether the person may choose it (the kind is on their
#: preferences page and may be turned on); kinds without one are offered to everyone.
_KIND_OFFERED: dict[str, Callable[[User], bool]] = {}


def register_notification_kind(kind: str, label: str, *,
                               default: str = NotificationChannel.EMAIL,
                               offered: Callable[[User], bool] | None = None) -> None:
    """Declare a kind of notification (its preference appears on the preferences page).
    ``default`` is the channel of people who never chose one; ``offered(user)``, when given,
    limits who sees the kind on their preferences page and may turn it on."""
    if KIND_LABELS.get(kind, label) != label:
        raise ValueError(f"Notification kind {kind!r} is already registered as "
                         f"{KIND_LABELS[kind]!r}.")
    KIND_LABELS[kind] = label
    KIND_DEFAULTS[kind] = str(default)
    if offered is not None:
        _KIND_OFFERED[kind] = offered


def notification_kind_default(kind: str) -> str:
    return KIND_DEFAULTS.get(kind, NotificationChannel.EMAIL)


def notification_kind_offered(*, kind: str, user: User) -> bool:
    """Whether ``user`` may choose ``kind`` (see :func:`register_notification_kind`)."""
    offered = _KIND_OFFERED.get(kind)
    return offered is None or bool(offered(user))


#: A file attached to an email: (filename, content, MIME type).
Attachment = tuple[str, str | bytes, str]
#: kind -> function(notification) -> attachments, called when the email is sent.
_ATTACHMENTS: dict[str, Callable[[Notification], list[Attachment]]] = {}


def register_notification_attachments(
        kind: str, attachments: Callable[[Notification], list[Attachment]]) -> None:
    """Attach files to the emails of ``kind`` (a session's calendar invitation). The function
    gets the outbox row when it is sent and returns what to attach; it runs outside any tenant
    scope, so it opens the scope of ``notification.organization`` itself. Registered in the
    app's ``AppConfig.ready``, like the kind."""
    _ATTACHMENTS[kind] = attachments


#: kind -> function(notification) -> extra email headers (a one-click unsubscribe).
_HEADERS: dict[str, Callable[[Notification], dict[str, str]]] = {}


def register_notification_headers(
        kind: str, headers: Callable[[Notification], dict[str, str]]) -> None:
    """Add headers to the emails of ``kind`` (``List-Unsubscribe``), computed from the outbox
    row when it is sent. Registered in the app's ``AppConfig.ready``, like the kind."""
    _HEADERS[kind] = headers


def notification_headers(notification: Notification) -> dict[str, str]:
    headers = _HEADERS.get(notification.kind)
    return dict(headers(notification)) if headers is not None else {}


def notification_attachments(notification: Notification) -> list[Attachment]:
    """The files the email of ``notification`` carries (none for most kinds)."""
    attachments = _ATTACHMENTS.get(notification.kind)
    return list(attachments(notification)) if attachments is not None else []


class DeliveryError(Exception):
    """Sending failed; the row stays pending (or failed after MAX_ATTEMPTS)."""


def notification_channel_for(*, user: User | None, kind: str) -> str:
    if user is None:
        return NotificationChannel.EMAIL
    preference = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return preference.channel if preference else notification_kind_default(kind)


#: Stands for the recipient's personal sign-in link in a stored message until it is sent.
SIGN_IN_LINK = "https://flipside.invalid/personal-sign-in-link"

#: Makes a person's sign-in link to a page of this site, or ``None`` when ``target`` is not a
#: local path. accounts owns the links (accounts/login_links.py) and registers it in
#: ``AccountsConfig.ready``; without one, emails carry the plain link.
SignInLinkMaker = Callable[..., "str | None"]
_sign_in_link_maker: list[SignInLinkMaker] = []


def register_sign_in_link_maker(maker: SignInLinkMaker) -> None:
    """Set the function that makes personal sign-in links:
    ``maker(*, user, purpose, target) -> str | None``."""
    _sign_in_link_maker[:] = [maker]


def carries_sign_in_link(*, kind: str, recipient: User | None, link: str) -> bool:
    return bool(link) and recipient is not None and kind in settings.FLIPSIDE_LOGIN_LINK_HOURS


def _lifetime_words(hours: int) -> str:
    if hours % 24 == 0:
        days = hours // 24
        return f"{days} day{'s' if days != 1 else ''}"
    return f"{hours} hour{'s' if hours != 1 else ''}"


def link_context(*, kind: str, recipient: User | None, link: str) -> dict:
    """``link`` (the page, for the in-app inbox), ``action_url`` (what the email's button opens:
    the sign-in placeholder or the plain link) and ``sign_in_link_lifetime`` ("14 days", or
    empty when the button is a plain link)."""
    if carries_sign_in_link(kind=kind, recipient=recipient, link=link):
        return {"link": link, "action_url": SIGN_IN_LINK, "sign_in_link_lifetime":
                _lifetime_words(settings.FLIPSIDE_LOGIN_LINK_HOURS[kind])}
    return {"link": link, "action_url": f"{settings.FLIPSIDE_SITE_URL}{link}" if link else "",
            "sign_in_link_lifetime": ""}


def _render_part(template, context: dict, *, html: bool) -> str:
    """Render one part: HTML escaped; subject and text parts not (they are not HTML)."""
    if html:
        return template.render(context)
    return template.template.render(Context(context, autoescape=False))


def _render(template: str, context: dict) -> tuple[str, str, str]:
    full_context = {"site_url": settings.FLIPSIDE_SITE_URL, **context}
    subject, text, html = (
        _render_part(get_template(f"{template}{suffix}"), full_context, html=suffix == ".html")
        for suffix in ("_subject.txt", ".txt", ".html"))
    return " ".join(subject.split()), text, html


def notification_enqueue(
    *, organization: Organization | None, recipient: User | None, email: str, kind: str,
    key: str, template: str, context: dict, link: str = "",
) -> Notification | None:
    """Record one message for one recipient and queue its email after commit.

    Returns ``None`` when the recipient turned this kind off, or the existing row when the
    same ``key`` was enqueued before (nothing is sent twice).
    """
    channel = notification_channel_for(user=recipient, kind=kind)
    if channel == NotificationChannel.OFF:
        return None
    existing = Notification.objects.filter(key=key).first()
    if existing is not None:
        return existing
    subject, text, html = _render(template, {
        **context, **link_context(kind=kind, recipient=recipient, link=link)})
    wants_email = channel == NotificationChannel.EMAIL
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                organization=organization, recipient=recipient, email=email, kind=kind,
                key=key, subject=subject, body_text=text, body_html=html, link=link,
                send_email=wants_email,
                status=Notification.Status.PENDING if wants_email else Notification.Status.SENT,
            )
    except IntegrityError:
        return Notification.objects.get(key=key)
    if wants_email:
        transaction.on_commit(lambda: notification_dispatch(notification_id=notification.pk))
    return notification


@dataclass(frozen=True)
class NotificationDraft:
    """One message of a :func:`notifications_enqueue_bulk` call (kind and template are shared)."""

    recipient: User | None
    email: str
    key: str
    context: dict = field(default_factory=dict)
    link: str = ""
    #: False: an in-app entry only, whatever the preference (another message of the same
    #: batch carries the email: a digest).
    email_allowed: bool = True


def _chunks(values: Sequence, size: int = 2000) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def notifications_enqueue_bulk(
    *, organization: Organization | None, kind: str, template: str,
    drafts: Sequence[NotificationDraft],
) -> int:
    """:func:`notification_enqueue` for many recipients of one kind, in a constant number of
    queries (per 2,000 drafts): the same preferences, the same unique ``key`` idempotency (a key
    already enqueued, or repeated in ``drafts``, adds nothing). The emails are handed over after
    commit and, inside a request, only once its response has gone out
    (:func:`notifications_send_after_response`): a request never sends thousands of emails
    itself. Returns how many notifications were recorded.
    """
    if not drafts:
        return 0
    user_ids = sorted({d.recipient.pk for d in drafts if d.recipient is not None})
    channels: dict[int, str] = {}
    for chunk in _chunks(user_ids):
        channels.update(NotificationPreference.objects.filter(user_id__in=chunk, kind=kind)
                        .values_list("user_id", "channel"))
    keys = [d.key for d in drafts]
    taken: set[str] = set()
    for chunk in _chunks(keys):
        taken.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))
    renderer = _BulkRenderer(template, personal_keys=("name", "link", "action_url"))
    rows = []
    for draft in drafts:
        if draft.key in taken:
            continue
        taken.add(draft.key)
        channel = (channels.get(draft.recipient.pk, notification_kind_default(kind))
                   if draft.recipient is not None else NotificationChannel.EMAIL)
        if channel == NotificationChannel.OFF:
            continue
        context = {"site_url": settings.FLIPSIDE_SITE_URL, **draft.context,
                   **link_context(kind=kind, recipient=draft.recipient, link=draft.link)}
        subject, text, html = renderer.render(context)
        wants_email = channel == NotificationChannel.EMAIL and draft.email_allowed
        rows.append({
            "organization_id": organization.pk if organization else None,
            "recipient_id": draft.recipient.pk if draft.recipient else None,
            "email": draft.email, "kind": kind, "key": draft.key, "subject": subject,
            "body_text": text, "body_html": html, "link": draft.link, "send_email": wants_email,
            "status": Notification.Status.PENDING if wants_email else Notification.Status.SENT,
        })
    # A concurrent enqueue of the same key wins; its row is sent once either way. Thousands of
    # rows (an import's welcome emails) are written without an instance each (core.bulk).
    rows_insert(Notification, rows, ignore_conflicts=True)
    pending_keys = [row["key"] for row in rows if row["send_email"]]
    pending_ids: list[int] = []
    for chunk in _chunks(pending_keys):
        pending_ids.extend(Notification.objects.filter(
            key__in=chunk, status=Notification.Status.PENDING).values_list("pk", flat=True))
    if pending_ids:
        transaction.on_commit(
            lambda: notifications_send_after_response(notification_ids=pending_ids))
    return len(rows)


class _BulkRenderer:
    """Renders one message template for many recipients quickly.

    Most of a bulk message is the same for everyone (program, guidelines, dates); only a few
    ``personal_keys`` differ (name, link). Once a second recipient shares the rest of the
    context with an earlier one, that group is rendered once with unique markers in the
    personal slots, and each recipient's values (escaped as the template would) replace the
    markers (escaped in the HTML part only). The skeleton is first checked against the group's
    first recipient, rendered the
    ordinary way: a template that transforms a personal value (a filter, a condition) makes the
    two differ, and that group is then rendered per recipient. The output is therefore always
    what ``_render`` would give; a context nobody shares costs one ordinary rendering.
    """

    def __init__(self, template: str, *, personal_keys: tuple[str, ...]) -> None:
        self.templates = tuple(get_template(f"{template}{suffix}")
                               for suffix in ("_subject.txt", ".txt", ".html"))
        self.personal_keys = personal_keys
        # group -> skeleton, None (render one by one), or the first (context, output) seen
        self.groups: dict[str, object] = {}

    def _render_plain(self, context: dict) -> tuple[str, str, str]:
        subject, text, html = (_render_part(t, context, html=index == 2)
                               for index, t in enumerate(self.templates))
        return " ".join(subject.split()), text, html

    def _marker(self, key: str) -> str:
        return f"FLIPSIDEPERSONAL{self.personal_keys.index(key)}X"

    def _fill(self, rendered: tuple[str, str, str], context: dict) -> tuple[str, str, str]:
        filled = []
        for index, part in enumerate(rendered):
            for key in self.personal_keys:
                value = context[key]
                part = part.replace(self._marker(key),
                                    str(conditional_escape(value) if index == 2 else value))
            filled.append(part)
        return " ".join(filled[0].split()), filled[1], filled[2]

    def _skeleton(self, shared: dict, first_context: dict, first_output) -> tuple | None:
        skeleton = self._render_plain(
            {**shared, **{key: self._marker(key) for key in self.personal_keys}})
        return skeleton if self._fill(skeleton, first_context) == first_output else None

    def render(self, context: dict) -> tuple[str, str, str]:
        if any(key not in context for key in self.personal_keys):
            return self._render_plain(context)
        shared = {k: v for k, v in context.items() if k not in self.personal_keys}
        # empty personal values may take other template branches: they form their own group
        group = repr((sorted(shared.items(), key=lambda item: item[0]),
                      [bool(context[key]) for key in self.personal_keys]))
        known = self.groups.get(group, _UNSEEN)
        if known is _UNSEEN:
            output = self._render_plain(context)
            self.groups[group] = _FirstOfGroup(context, output)
            return output
        if isinstance(known, _FirstOfGroup):
            known = self.groups[group] = self._skeleton(shared, known.context, known.output)
        return self._render_plain(context) if known is None else self._fill(known, context)


_UNSEEN = object()


@dataclass(frozen=True)
class _FirstOfGroup:
    context: dict
    output: tuple[str, str, str]


def notifications_dispatch_many(*, notification_ids: Sequence[int]) -> int:
    """Hand many notifications to Celery; stop at the first failed hand-over (the broker is down
    or frozen, and each further try would wait for its timeout) and leave the rest to the
    outbox drain. Returns how many were handed over."""
    for handed, notification_id in enumerate(notification_ids):
        if not notification_dispatch(notification_id=notification_id):
            logger.warning("%s notifications left for the outbox drain",
                           len(notification_ids) - handed)
            return handed
    return len(notification_ids)


def notifications_send_after_response(*, notification_ids: Sequence[int]) -> None:
    """Send many pending notifications once the current response has gone out (at once outside
    a request; see core/after_response.py).

    With a broker they are handed to Celery (:func:`notifications_dispatch_many`; what cannot
    be handed over is left to the outbox drain). Without one (embedded mode: eager tasks, which
    would run inside the request) they are sent here one by one, each claimed and marked as
    :func:`notification_send` does, so the import page can count them as they go; a failed
    delivery stays pending for a later drain.
    """
    from core.after_response import run_after_response
    from core.broker import broker_is_eager

    ids = list(notification_ids)

    def send() -> None:
        from core.tasks import send_notification

        if not broker_is_eager(send_notification):
            notifications_dispatch_many(notification_ids=ids)
            return
        pending = ids
        for attempt in range(3):
            busy = []
            for notification_id in pending:
                try:
                    notification_send(notification_id=notification_id)
                except DeliveryError:
                    logger.warning("notification %s not delivered; it stays pending",
                                   notification_id)
                except DatabaseError:  # SQLite busy with a page's write: try again shortly
                    busy.append(notification_id)
            if not busy:
                return
            pending = busy
            time.sleep(1 + attempt)
        logger.warning("%s notifications left pending: the database stayed busy", len(pending))

    run_after_response(send)


def notification_dispatch(*, notification_id: int) -> bool:
    """Hand a pending notification to Celery without ever failing or blocking the caller.

    Returns whether the hand-over worked; when it did not, the outbox drain sends it later.
    """
    from core.tasks import send_notification

    return publish_task(send_notification, (notification_id,),
                        what=f"notification {notification_id} (the outbox drain sends it)")


def personal_action_url(notification: Notification) -> str:
    """The recipient's own sign-in link to the message's page, made now (one HMAC); the plain
    link when the message is not for an active account or its page is not on this site."""
    recipient = notification.recipient
    link = notification.link
    if (_sign_in_link_maker and recipient is not None and recipient.is_active
            and carries_sign_in_link(kind=notification.kind, recipient=recipient, link=link)):
        url = _sign_in_link_maker[0](user=recipient, purpose=notification.kind, target=link)
        if url is not None:
            return url
    return f"{settings.FLIPSIDE_SITE_URL}{link}" if link else settings.FLIPSIDE_SITE_URL


def _deliver(notification: Notification) -> None:
    text, html = notification.body_text, notification.body_html
    if SIGN_IN_LINK in text or SIGN_IN_LINK in html:
        url = personal_action_url(notification)
        text, html = text.replace(SIGN_IN_LINK, url), html.replace(SIGN_IN_LINK, url)
    message = EmailMultiAlternatives(
        subject=notification.subject, body=text,
        from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.email],
        headers=notification_headers(notification),
    )
    if html:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in notification_attachments(notification):
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)


def notification_send(*, notification_id: int) -> str:
    """Send one pending notification exactly once. Returns "sent" or "skipped".

    The row is claimed with ``SELECT … FOR UPDATE SKIP LOCKED``: a second worker racing on the
    same row skips it, and a later duplicate finds it no longer pending.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=Notification.Status.PENDING).first()
        )
        if notification is None:
            return "skipped"
        notification.attempts += 1
        try:
            _deliver(notification)
        except Exception as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Notification.Status.FAILED
            notification.save(update_fields=["attempts", "last_error", "status"])
            error = exc
        else:
            notification.status = Notification.Status.SENT
            notification.sent_at = timezone.now()
            notification.save(update_fields=["attempts", "status", "sent_at"])
            return "sent"
    raise DeliveryError(str(error)) from error


def notifications_due_for_drain(*, now=None) -> list[int]:
    """Pending notifications old enough that their first hand-over must have failed."""
    now = now or timezone.now()
    return list(
        Notification.objects.filter(
            status=Notification.Status.PENDING, created_at__lte=now - DRAIN_GRACE,
            attempts__lt=MAX_ATTEMPTS,
        ).order_by("created_at").values_list("pk", flat=True)[:500]
    )


def notifications_mark_read(*, user: User, notification_ids: list[int] | None = None) -> int:
    queryset = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        queryset = queryset.filter(pk__in=notification_ids)
    return queryset.update(read_at=timezone.now())


def notification_preferences_set(*, user: User, channels: dict[str, str]) -> None:
    """Save the person's channels; a kind not offered to them can only be turned off."""
    for kind, channel in channels.items():
        if kind not in KIND_LABELS or channel not in NotificationChannel.values:
            continue
        if channel != NotificationChannel.OFF and not notification_kind_offered(kind=kind,
                                                                                user=user):
            continue
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"channel": channel}
        )


def notifications_withdraw_pending(*, organization: Organization, key_prefixes: Sequence[str],
                                   why: str) -> int:
    """Stop the pending emails of ``organization`` whose key starts with one of
    ``key_prefixes`` (what is no longer true: the introduction or nudge of a pair that ended).

    They become ``skipped`` with ``why`` recorded, so no sender picks them up; a row a sender
    has already claimed finishes sending (the update waits for its lock and then finds it no
    longer pending). Prefixes should end with a separator (``"pair_nudge:12:"``) so that one
    subject's prefix is no other's. Returns how many were withdrawn.
    """
    withdrawn = 0
    for chunk in _chunks(list(key_prefixes), 100):
        matches = Q(pk__in=[])
        for prefix in chunk:
            matches |= Q(key__startswith=prefix)
        withdrawn += Notification.objects.filter(
            matches, organization=organization, status=Notification.Status.PENDING,
        ).update(status=Notification.Status.SKIPPED, last_error=f"Withdrawn: {why}"[:2000])
    return withdrawn
