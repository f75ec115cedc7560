"""One-click "stop emails of this kind" (RFC 8058): a signed link per recipient and kind.

Security boundary: the token is ``django.core.signing`` over (user id, kind) with its own
salt, so only someone holding an email we sent can make it; it does nothing but turn *that
person's* emails of *that kind* off (an in-app entry is not a message we push), so it needs no
sign-in and no CSRF token: a mail client's one-click POST (``List-Unsubscribe-Post:
List-Unsubscribe=One-Click``) carries neither. It never expires: an unsubscribe link that stops
working is worse than none. A GET only shows the confirmation page (link scanners follow GETs).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from core.models import Notification, NotificationChannel, NotificationPreference
from core.notifications import KIND_LABELS

SALT = "flipside.unsubscribe"


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """The same token whenever it is made (no timestamp): the body's link and the header's
    are one, and a resent email carries the link of the first."""
    return signing.Signer(salt=SALT).sign_object([user_id, kind], compress=True)


def unsubscribe_read(token: str) -> tuple[int, str] | None:
    """(user id, kind) of a valid token, else None."""
    try:
        user_id, kind = signing.Signer(salt=SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or kind not in KIND_LABELS:
        return None
    return user_id, kind


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return settings.FLIPSIDE_SITE_URL + reverse(
        "unsubscribe", kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)})


def unsubscribe_headers(notification: Notification) -> dict[str, str]:
    """RFC 8058 headers of an email sent to an account (none for an address without one)."""
    if notification.recipient_id is None:
        return {}
    url = unsubscribe_url(user_id=notification.recipient_id, kind=notification.kind)
    return {"List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def notification_kind_stop_emails(*, user_id: int, kind: str) -> None:
    """Turn ``kind`` off for the person (what the one-click link does)."""
    NotificationPreference.objects.update_or_create(
        user_id=user_id, kind=kind, defaults={"channel": NotificationChannel.OFF})
