from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and organizations"

    def ready(self) -> None:
        from allauth.account.signals import email_confirmed

        from accounts.receivers import join_by_signup_domain_on_email_confirmed

        email_confirmed.connect(join_by_signup_domain_on_email_confirmed,
                                dispatch_uid="accounts.join_by_signup_domain")

        from accounts import after_response

        after_response.connect()
