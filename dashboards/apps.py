from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = "Dashboards and analytics"

    def ready(self) -> None:
        from dashboards.digest import register_digest_kind

        register_digest_kind()  # the weekly digest: opt-in, executives and HR admins
