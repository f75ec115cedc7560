from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"

    def ready(self) -> None:
        from matching.services import register_lifecycle_checks

        register_lifecycle_checks()

        from matching.home import register as register_home_panels

        register_home_panels()

        from accounts.notifications import register_notification_kind

        register_notification_kind("pair_introduction", "Introductions to your mentoring partner")
