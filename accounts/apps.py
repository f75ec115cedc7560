from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from accounts.login_links import login_link_url_if_local
        from accounts.receivers import join_by_signup_domain_on_email_confirmed
        from core.notifications import register_notification_kind, register_sign_in_link_maker

        email_confirmed.connect(join_by_signup_domain_on_email_confirmed,
                                dispatch_uid="accounts.join_by_signup_domain")
        register_notification_kind("invitation", "Invitations to an organization")
        register_sign_in_link_maker(login_link_url_if_local)
