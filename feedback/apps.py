from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "feedback"
    verbose_name = "Surveys and feedback"

    def ready(self) -> None:
        from core.notifications import register_notification_kind
        from feedback.home import register as register_home_panels
        from feedback.services import SURVEY_OPEN_KIND, SURVEY_REMINDER_KIND

        register_home_panels()
        register_notification_kind(SURVEY_OPEN_KIND, "Surveys to answer")
        register_notification_kind(SURVEY_REMINDER_KIND, "Reminders of surveys about to close")

        from feedback.hooks import on_session_rated
        from sessions.signals import session_rated

        session_rated.connect(on_session_rated, dispatch_uid="feedback.on_session_rated")
