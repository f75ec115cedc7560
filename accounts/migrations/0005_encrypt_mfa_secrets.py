"""Encrypt the two-factor secrets stored before accounts.adapters.MFAAdapter existed.

TOTP secrets and recovery-code seeds (and codes migrated from other libraries) were stored
in plain text; from now on they are Fernet tokens (accounts/secret_box.py). Reading stays
tolerant of plain values, so running this late is safe; reversing decrypts them again.
"""

from django.db import migrations

from accounts import secret_box

SECRET_FIELDS = ("secret", "seed")


def _convert(data: dict, convert) -> dict | None:
    changed = dict(data)
    for field in SECRET_FIELDS:
        value = changed.get(field)
        if isinstance(value, str):
            changed[field] = convert(value)
    codes = changed.get("migrated_codes")
    if isinstance(codes, list):
        changed["migrated_codes"] = [convert(code) if isinstance(code, str) else code
                                     for code in codes]
    return changed if changed != data else None


def _encrypt(value: str) -> str:
    return value if secret_box.is_encrypted(value) else secret_box.encrypt(value)


def _apply(apps, convert) -> None:
    Authenticator = apps.get_model("mfa", "Authenticator")
    for pk in list(Authenticator.objects.values_list("pk", flat=True)):
        authenticator = Authenticator.objects.get(pk=pk)
        data = _convert(authenticator.data or {}, convert)
        if data is not None:
            authenticator.data = data
            authenticator.save(update_fields=["data"])


def encrypt_secrets(apps, schema_editor):
    _apply(apps, _encrypt)


def decrypt_secrets(apps, schema_editor):
    _apply(apps, secret_box.decrypt)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_organization_require_two_factor"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [migrations.RunPython(encrypt_secrets, decrypt_secrets)]
