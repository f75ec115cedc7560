from django import forms

from programs.models import Participant


class ManualPairForm(forms.Form):
    mentor = forms.ModelChoiceField(queryset=Participant.objects.none(), label="Mentor")
    mentee = forms.ModelChoiceField(queryset=Participant.objects.none(), label="Mentee")
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Override reason",
        help_text="Required when the pair breaks a matching rule.")

    def __init__(self, *args, mentors=None, mentees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if mentors is not None:
            self.fields["mentor"].queryset = mentors
            self.fields["mentee"].queryset = mentees
        label = lambda p: f"{p.membership.user.display_name} — {p.profile.job_title}"  # noqa: E731
        self.fields["mentor"].label_from_instance = label
        self.fields["mentee"].label_from_instance = label


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=[("lock", "Lock"), ("reject", "Reject")])
    override_reason = forms.CharField(required=False, max_length=1000)


class SwapForm(forms.Form):
    first = forms.IntegerField(label="First pair")
    second = forms.IntegerField(label="Second pair")
    override_reason = forms.CharField(required=False, max_length=1000)
