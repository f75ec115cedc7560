"""Authenticated encryption of the two-factor secrets allauth stores (TOTP secrets, recovery
code seeds): a copy of the database alone does not let anyone generate someone's codes.

Fernet (AES-128-CBC + HMAC-SHA256) with a key derived by HKDF-SHA256 from
``MFA_ENCRYPTION_KEY`` (or ``SECRET_KEY`` when that is empty). Rotation: put the old key in
``MFA_ENCRYPTION_FALLBACK_KEYS``; values encrypted with it are still read, new ones use the
current key. Values are stored as ``"fernet1:" + token``; anything without that prefix is a
secret written before encryption existed and is read as is (migration 0005 encrypts those).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet1:"
_SALT = b"flipside.mfa.v1"
_INFO = b"allauth.mfa secrets"


class SecretNotDecryptable(ImproperlyConfigured):
    """A stored secret was encrypted with a key this deployment no longer has."""


def derive_key(secret: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) from any secret string."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(
        secret.encode())
    return base64.urlsafe_b64encode(raw)


@lru_cache(maxsize=4)
def _box(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(secret)) for secret in secrets])


def _configured_box() -> MultiFernet:
    current = getattr(settings, "MFA_ENCRYPTION_KEY", "") or settings.SECRET_KEY
    fallbacks = tuple(getattr(settings, "MFA_ENCRYPTION_FALLBACK_KEYS", ()) or ())
    return _box((current, *fallbacks))


def is_encrypted(value: str) -> bool:
    return value.startswith(PREFIX)


def encrypt(text: str) -> str:
    return PREFIX + _configured_box().encrypt(text.encode()).decode("ascii")


def decrypt(value: str) -> str:
    """The plaintext of :func:`encrypt`'s output; a legacy unencrypted value as it is."""
    if not is_encrypted(value):
        return value
    try:
        return _configured_box().decrypt(value[len(PREFIX):].encode("ascii")).decode()
    except InvalidToken as error:
        raise SecretNotDecryptable(
            "A two-factor secret cannot be decrypted: MFA_ENCRYPTION_KEY (or SECRET_KEY) "
            "changed. Put the previous key in MFA_ENCRYPTION_FALLBACK_KEYS."
        ) from error
