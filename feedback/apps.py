from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Surveys and feedback"

    def ready(self) -> None:
        from accounts.unsubscribe import unsubscribe_headers
        from core.notifications import register_notification_headers, register_notification_kind
        from feedback.home import register as register_home_panels
        from feedback.services import SURVEY_KIND_LABELS

        register_home_panels()
        for kind, label in SURVEY_KIND_LABELS.items():
            register_notification_kind(kind, label)
            register_notification_headers(kind, unsubscribe_headers)  # RFC 8058 one-click stop

        from feedback.hooks import on_session_rated
        from sessions.signals import session_rated

        session_rated.connect(on_session_rated, dispatch_uid="feedback.on_session_rated")
