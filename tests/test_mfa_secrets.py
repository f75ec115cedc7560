"""Two-factor secrets are stored encrypted (accounts.adapters.MFAAdapter), sign-in with a
code still works, secrets stored before encryption keep working and are encrypted by the
data migration, and the key can be rotated."""

from __future__ import annotations

import importlib
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.apps import apps as django_apps
from django.urls import reverse

from accounts import secret_box
from tests.factories.accounts import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("accounts.migrations.0005_encrypt_mfa_secrets")


def _code(secret: str, step: int = 0) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))


def _stored(user, kind=Authenticator.Type.TOTP) -> dict:
    return Authenticator.objects.get(user=user, type=kind).data


def test_activated_totp_secret_is_stored_encrypted_and_sign_in_still_works(client):
    user = UserFactory(email="careful@example.com")
    login = {"login": user.email, "password": TEST_PASSWORD}
    client.post(reverse("account_login"), login)
    client.get(reverse("mfa_activate_totp"))
    client.post(reverse("account_reauthenticate"), {"password": TEST_PASSWORD})
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post(reverse("mfa_activate_totp"), {"code": _code(secret)}).status_code == 302

    stored = _stored(user)["secret"]
    assert stored != secret
    assert secret not in stored
    assert stored.startswith(secret_box.PREFIX)
    seed = _stored(user, Authenticator.Type.RECOVERY_CODES)["seed"]
    assert seed.startswith(secret_box.PREFIX)

    client.post(reverse("account_logout"))
    assert client.post(reverse("account_login"), login)["Location"] == reverse("mfa_authenticate")
    # the activation used this step's code (codes are single-use): sign in with the next one
    response = client.post(reverse("mfa_authenticate"), {"code": _code(secret, step=1)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_recovery_codes_work_from_the_encrypted_seed():
    user = UserFactory()
    codes = RecoveryCodes.activate(user)
    unused = codes.get_unused_codes()

    assert len(unused) == 10
    assert codes.validate_code(unused[0]) is True
    assert codes.validate_code(unused[0]) is False


def test_a_secret_stored_before_encryption_still_validates():
    user = UserFactory()
    secret = generate_totp_secret()
    legacy = Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP,
                                          data={"secret": secret})

    assert TOTP(legacy).validate_code(_code(secret)) is True


def test_the_migration_encrypts_legacy_secrets_and_reverses(settings):
    user = UserFactory()
    secret = generate_totp_secret()
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP,
                                 data={"secret": secret})
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES,
                                 data={"seed": "ab" * 40, "used_mask": 3,
                                       "migrated_codes": ["12345678"]})

    migration.encrypt_secrets(django_apps, None)

    totp, recovery = _stored(user), _stored(user, Authenticator.Type.RECOVERY_CODES)
    assert secret_box.is_encrypted(totp["secret"])
    assert secret_box.decrypt(totp["secret"]) == secret
    assert secret_box.decrypt(recovery["seed"]) == "ab" * 40
    assert [secret_box.decrypt(c) for c in recovery["migrated_codes"]] == ["12345678"]
    assert recovery["used_mask"] == 3
    # running it twice changes nothing
    migration.encrypt_secrets(django_apps, None)
    assert _stored(user) == totp
    assert TOTP(Authenticator.objects.get(user=user, type="totp")).validate_code(_code(secret))

    migration.decrypt_secrets(django_apps, None)
    assert _stored(user)["secret"] == secret
    assert _stored(user, Authenticator.Type.RECOVERY_CODES)["migrated_codes"] == ["12345678"]


def test_the_key_is_separate_from_secret_key_when_configured(settings):
    settings.MFA_ENCRYPTION_KEY = "a dedicated key"
    token = secret_box.encrypt("JBSWY3DPEHPK3PXP")

    settings.MFA_ENCRYPTION_KEY = ""
    with pytest.raises(secret_box.SecretNotDecryptable, match="MFA_ENCRYPTION_FALLBACK_KEYS"):
        secret_box.decrypt(token)


def test_a_rotated_key_still_reads_old_secrets_and_writes_with_the_new_one(settings):
    settings.MFA_ENCRYPTION_KEY = "old key"
    old_token = secret_box.encrypt("JBSWY3DPEHPK3PXP")

    settings.MFA_ENCRYPTION_KEY = "new key"
    settings.MFA_ENCRYPTION_FALLBACK_KEYS = ["old key"]
    new_token = secret_box.encrypt("JBSWY3DPEHPK3PXP")

    assert secret_box.decrypt(old_token) == "JBSWY3DPEHPK3PXP"
    settings.MFA_ENCRYPTION_FALLBACK_KEYS = []
    assert secret_box.decrypt(new_token) == "JBSWY3DPEHPK3PXP"
    with pytest.raises(secret_box.SecretNotDecryptable):
        secret_box.decrypt(old_token)


def test_a_tampered_secret_is_refused():
    token = secret_box.encrypt("JBSWY3DPEHPK3PXP")
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    with pytest.raises(secret_box.SecretNotDecryptable):
        secret_box.decrypt(tampered)
