import zoneinfo

from django import forms

from accounts.models import NotificationChannel, Organization, Role
from accounts.notifications import KIND_LABELS

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
    def __init__(self, *args, current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in KIND_LABELS.items():
            self.fields[kind] = forms.ChoiceField(
                label=label, choices=NotificationChannel.choices,
                initial=current.get(kind, NotificationChannel.EMAIL),
            )
