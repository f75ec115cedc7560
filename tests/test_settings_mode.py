"""The suite runs under the test settings, whatever the caller's environment exports."""

from django.conf import settings


def test_the_suite_runs_with_the_test_settings():
    # dev settings would hash every factory password with PBKDF2 and send real email
    assert settings.SETTINGS_MODULE == "config.settings.test"
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.locmem.EmailBackend"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
