from django.apps import AppConfig


class MentoringSessionsConfig(AppConfig):
    """Label differs from the package name: ``sessions`` is django.contrib.sessions' label."""

    name = "sessions"
    label = "mentoring_sessions"
    verbose_name = "Mentoring sessions"

    def ready(self) -> None:
        from core.notifications import (
            register_notification_attachments,
            register_notification_kind,
        )
        from sessions.home import register as register_home_panels
        from sessions.services import CHECK_IN_KIND, INVITATION_KIND, invitation_attachments

        register_home_panels()
        register_notification_kind(INVITATION_KIND,
                                   "Mentoring session invitations, changes and cancellations")
        register_notification_kind(CHECK_IN_KIND, "Has your commitment happened? (check-ins)")
        register_notification_attachments(INVITATION_KIND, invitation_attachments)
        from sessions.reminders import register_reminder_kinds

        register_reminder_kinds()
        from sessions.checkins import home as check_in_home
        from sessions.checkins.services import CHECK_IN_DUE_KIND, FIT_CHECK_KIND, HR_ALERT_KIND

        check_in_home.register()
        import sessions.checkins.tasks  # noqa: F401  (Celery finds <app>.tasks only)
        register_notification_kind(CHECK_IN_DUE_KIND, "Check-ins: how is your mentoring going?")
        register_notification_kind(FIT_CHECK_KIND, "Is your pairing working for you?")
        register_notification_kind(HR_ALERT_KIND, "HR alerts from check-ins and fit checks")

        from matching.activity import register_pair_activity_source, register_pair_health_page
        from matching.signals import pair_ended
        from sessions.activity import pair_activity_of_sessions
        from sessions.receivers import withdraw_for_ended_pairs

        register_pair_activity_source(pair_activity_of_sessions)
        register_pair_health_page(label="Commitments", url_name="sessions:cohort_commitments")
        pair_ended.connect(withdraw_for_ended_pairs, dispatch_uid="sessions.withdraw_for_ended")
