from django.apps import AppConfig


class MentoringSessionsConfig(AppConfig):
    """Label differs from the package name: ``sessions`` is django.contrib.sessions' label."""

    name = "sessions"
    label = "mentoring_sessions"
    verbose_name = "Mentoring sessions"
