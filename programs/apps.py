from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "programs"

    def ready(self) -> None:
        from accounts.selectors import invitation_details_register
        from accounts.signals import invitation_accepted
        from programs.receivers import (
            enroll_on_invitation_accepted,
            invitation_invitee_name,
            invitation_landing,
        )

        invitation_accepted.connect(enroll_on_invitation_accepted,
                                    dispatch_uid="programs.enroll_on_invitation_accepted")
        invitation_details_register(name=invitation_invitee_name, landing=invitation_landing)

        from programs.home import register as register_home_panels

        register_home_panels()

        from core.notifications import register_notification_kind

        register_notification_kind("welcome", "Welcome to a cohort")
        register_notification_kind("application_decision", "Decisions on cohort applications")
        register_notification_kind("profile_reminder", "Reminders to complete your profile")
