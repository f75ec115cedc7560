"""Personal sign-in links in emails: signed, expiring, single use, landing on one local page.

A token is ``django.core.signing`` (HMAC-SHA256 with ``SECRET_KEY`` and a salt of its own, plus
a timestamp) over ``[user id, purpose, target path, nonce, account state]``:

- **signed**: any change to the payload breaks the signature; a value signed for another use
  (another salt: password reset, email confirmation, sessions) is not a login link;
- **expiring**: the purpose (the notification kind: ``welcome``, ``invitation``,
  ``pair_introduction``, ``login_link`` …) sets the lifetime
  (``settings.FLIPSIDE_LOGIN_LINK_HOURS``); an unknown purpose is refused;
- **single use**: redeeming records the nonce (``accounts.LoginLinkUse``, unique), see
  :func:`accounts.services.login_link_consume`;
- **tied to the account's state**: a short HMAC of the password hash and email address, so a
  password change (or reset after a suspected compromise) or an address change kills every
  link sent before it;
- **local target only**: the landing page is a path on this site, never another host.

Making one costs one HMAC and no query, so a bulk import can give 10,000 people theirs. Emails
get theirs when they are *sent* (see ``core.notifications``), so no live token is stored in
the outbox and the lifetime counts from delivery.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "flipside.accounts.login-link"
_UNSAFE_IN_PATH = re.compile(r"[\x00-\x1f\x7f\\]")  # control characters, backslashes
STATE_SALT = "flipside.accounts.login-link.state"


class LoginLinkInvalid(Exception):
    """Not a login link of ours: tampered, truncated, signed for something else."""


class LoginLinkExpired(Exception):
    """A genuine link past its lifetime; ``claim`` says whose and where to."""

    def __init__(self, claim: LoginLinkClaim) -> None:
        super().__init__("expired")
        self.claim = claim


@dataclass(frozen=True)
class LoginLinkClaim:
    user_id: int
    purpose: str
    target: str
    nonce: str
    state: str

    def matches_state_of(self, user) -> bool:
        return constant_time_compare(self.state, account_state(user))


def lifetime(purpose: str) -> timedelta | None:
    hours = settings.FLIPSIDE_LOGIN_LINK_HOURS.get(purpose)
    return None if hours is None else timedelta(hours=hours)


def is_local_path(target: str) -> bool:
    """A path on this site: starts with one slash, no scheme, no host, no backslash tricks."""
    if not isinstance(target, str) or not target.startswith("/") or target.startswith("//"):
        return False
    if _UNSAFE_IN_PATH.search(target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def account_state(user) -> str:
    """Changes when the password or the email address changes (not at each sign-in, so a
    link keeps working after the person signed in some other way)."""
    return salted_hmac(STATE_SALT, f"{user.pk}|{user.password}|{user.email.lower()}",
                       algorithm="sha256").hexdigest()[:16]


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT, algorithm="sha256")


def login_link_token(*, user, purpose: str, target: str, nonce: str | None = None) -> str:
    """The token for ``user`` landing on ``target``; raises ``ValueError`` for a purpose
    without a lifetime or a target that is not a local path."""
    if lifetime(purpose) is None:
        raise ValueError(f"{purpose!r} has no login-link lifetime in FLIPSIDE_LOGIN_LINK_HOURS")
    if not is_local_path(target):
        raise ValueError(f"{target!r} is not a local path")
    payload = [user.pk, purpose, target, nonce or secrets.token_urlsafe(12), account_state(user)]
    return _signer().sign_object(payload, compress=False)


def login_link_path(*, user, purpose: str, target: str) -> str:
    return reverse("login_link", kwargs={"token": login_link_token(
        user=user, purpose=purpose, target=target)})


def login_link_url(*, user, purpose: str, target: str) -> str:
    path = login_link_path(user=user, purpose=purpose, target=target)
    return f"{settings.FLIPSIDE_SITE_URL}{path}"


def login_link_url_if_local(*, user, purpose: str, target: str) -> str | None:
    """:func:`login_link_url`, or ``None`` when ``target`` is not a page of this site. The
    outbox (core/notifications.py) puts it in the emails it sends (``AccountsConfig.ready``)."""
    if not is_local_path(target):
        return None
    return login_link_url(user=user, purpose=purpose, target=target)


def _claim(payload) -> LoginLinkClaim:
    if not (isinstance(payload, list) and len(payload) == 5):
        raise LoginLinkInvalid("malformed")
    user_id, purpose, target, nonce, state = payload
    if not isinstance(user_id, int) or not all(
            isinstance(value, str) for value in (purpose, target, nonce, state)):
        raise LoginLinkInvalid("malformed")
    if lifetime(purpose) is None or not is_local_path(target) or not nonce:
        raise LoginLinkInvalid("unknown purpose or target")
    return LoginLinkClaim(user_id=user_id, purpose=purpose, target=target, nonce=nonce,
                          state=state)


def login_link_read(token: str) -> LoginLinkClaim:
    """The claim of a genuine, unexpired token. Raises :class:`LoginLinkInvalid` or
    :class:`LoginLinkExpired` (which still carries the claim, to offer a fresh link)."""
    signer = _signer()
    try:
        claim = _claim(signer.unsign_object(token))
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise LoginLinkInvalid("bad signature") from error
    try:
        signer.unsign_object(token, max_age=lifetime(claim.purpose))
    except signing.SignatureExpired as error:
        raise LoginLinkExpired(claim) from error
    return claim
