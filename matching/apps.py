from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "matching"

    def ready(self) -> None:
        from matching.services.publishing import register_lifecycle_checks

        register_lifecycle_checks()

        from matching.home import register as register_home_panels

        register_home_panels()

        from core.notifications import register_notification_kind

        register_notification_kind("pair_introduction", "Introductions to your mentoring partner")
        register_notification_kind("pair_nudge", "Reminders from HR to meet your partner")
        register_notification_kind("pair_lifecycle",
                                   "Changes to your mentoring pair (pauses, extensions, endings)")

        from matching import receivers
        from programs.lifecycle import register_transition_hook
        from programs.signals import participant_withdrawn

        register_transition_hook(receivers.close_pairs_of_completed_cohort)
        participant_withdrawn.connect(receivers.end_pairs_of_withdrawn,
                                      dispatch_uid="matching.end_pairs_of_withdrawn")
