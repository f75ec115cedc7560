from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The platform every app builds on: tenancy, the notification outbox, the broker breaker,
    web and API plumbing, start-page panels. It imports no app of this project."""

    name = "core"
    verbose_name = "Platform"

    def ready(self) -> None:
        from core import after_response

        after_response.connect()
