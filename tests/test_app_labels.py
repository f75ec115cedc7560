"""The local ``sessions`` app must never be confused with django.contrib.sessions."""

from __future__ import annotations

from django.apps import apps


def test_local_sessions_app_has_its_own_label():
    local = apps.get_app_config("mentoring_sessions")
    contrib = apps.get_app_config("sessions")

    assert local.name == "sessions"
    assert contrib.name == "django.contrib.sessions"


def test_no_model_is_called_plain_session_outside_django():
    own = [m for m in apps.get_models() if m.__name__ == "Session"]

    assert [m._meta.label for m in own] == ["sessions.Session"]


def test_no_relation_targets_django_login_sessions():
    offending = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation and field.related_model is not None
        and (field.related_model._meta.db_table == "django_session"
             or field.related_model._meta.app_label == "sessions")
        and model._meta.app_label != "sessions"
    ]

    assert offending == []
