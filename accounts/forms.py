import zoneinfo

from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context as allauth_context
from django import forms
from django.contrib.auth.forms import SetPasswordForm

from accounts.models import Organization, Role
from accounts.signup_policy import signup_refusal
from core.models import NotificationChannel
from core.notifications import KIND_LABELS, notification_kind_default, notification_kind_offered

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class OrganizationSettingsForm(forms.ModelForm):
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES)

    class Meta:
        model = Organization
        fields = ["name", "time_zone", "anonymity_threshold", "require_two_factor"]
        help_texts = {
            "anonymity_threshold": "No aggregate of anonymous answers is shown for fewer "
                                   "responses than this; free-text answers need twice as "
                                   "many. At least 3.",
        }

    def clean_anonymity_threshold(self):
        value = self.cleaned_data["anonymity_threshold"]
        if value < 3:
            raise forms.ValidationError("k must be at least 3 so that nobody's answers can be "
                                        "singled out.")
        return value


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, label="Token name",
                           help_text="What will use it, e.g. “HRIS sync”.")


class NotificationPreferencesForm(forms.Form):
    """One choice per kind offered to ``user`` (an opt-in kind such as the weekly digest only
    for the roles it is for), starting from the kind's default channel."""

    def __init__(self, *args, current: dict[str, str], user=None, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in KIND_LABELS.items():
            if user is not None and not notification_kind_offered(kind=kind, user=user):
                continue
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=NotificationChannel.choices,
                initial=current.get(kind, notification_kind_default(kind)),
            )


class QuietHoursForm(forms.Form):
    """The person's quiet hours: reminders that fall inside wait until they end."""

    time_input = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    quiet_hours_start = forms.TimeField(
        label="Quiet hours from", required=False, widget=time_input,
        help_text="Reminders that fall in your quiet hours (in your own time zone) wait until "
                  "they end. Leave both empty for none.")
    quiet_hours_end = forms.TimeField(label="Quiet hours until", required=False,
                                      widget=time_input)

    def clean(self):
        data = super().clean()
        start, end = data.get("quiet_hours_start"), data.get("quiet_hours_end")
        if (start is None) != (end is None) and not self.errors:
            self.add_error("quiet_hours_end" if end is None else "quiet_hours_start",
                           "Give both ends of your quiet hours, or leave both empty.")
        return data


# --- sign-in links and sign-up policy ------------------------------------------------------

class SelfSignupDomainsForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["self_signup_domains"]
        widgets = {"self_signup_domains": forms.Textarea(attrs={"rows": 3})}


class LoginLinkPasswordForm(SetPasswordForm):
    """The one form a person without a password fills in on their first sign-in link."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields["new_password1"].label = "Choose a password"
        self.fields["new_password2"].label = "Type it again"
        for field in self.fields.values():
            field.widget.attrs["autocomplete"] = "new-password"


class InvitationJoinForm(LoginLinkPasswordForm):
    """The one form an invited person without an account fills in: their name (as the
    organization gave it, if it did) and a password, checked by ``AUTH_PASSWORD_VALIDATORS``
    against the account about to be made."""

    full_name = forms.CharField(label="Your name", max_length=150,
                                widget=forms.TextInput(attrs={"autocomplete": "name"}))
    field_order = ["full_name", "new_password1", "new_password2"]

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        self.user.full_name = name  # so a password like the name is refused
        return name


class LoginLinkRequestForm(forms.Form):
    email = forms.EmailField(label="Your work email address",
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form, open only to invited addresses and self-sign-up domains
    (accounts/signup_policy.py)."""

    def clean_email(self):
        email = super().clean_email()
        refusal = signup_refusal(allauth_context.request, email or "")
        if refusal:
            raise forms.ValidationError(refusal)
        return email
