"""Forms of the pair's lifecycle (people's and HR's) and of the pair health list."""

from __future__ import annotations

from django import forms

from matching import pair_health
from matching.models import PairEndReason
from matching.pair_lifecycle import CHOSEN_END_REASONS, NOTE_MAX
from programs.models import Participant

RADIOS = forms.RadioSelect(attrs={"class": "form-check-input"})
REASON_CHOICES = [(reason, PairEndReason(reason).label) for reason in CHOSEN_END_REASONS]


def _note(label: str = "Why (optional)", *, required: bool = False, help_text: str = ""):
    return forms.CharField(label=label, required=required, max_length=NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 3}), help_text=help_text)


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


class PauseForm(forms.Form):
    until = forms.DateField(label="Back on", widget=_DateInput(),
                            help_text="The day you expect to meet again (at most 180 days).",
                            error_messages={"required": "Give the return date.",
                                            "invalid": "Give the return date as a date, "
                                                       "e.g. 2027-03-01."})
    note = _note(help_text="Your partner sees this with the return date.")


class NoteForm(forms.Form):
    note = _note("Note (optional)")


class EndRequestForm(forms.Form):
    reason = forms.ChoiceField(label="Why should the pair end?", choices=REASON_CHOICES,
                               widget=RADIOS,
                               error_messages={"required": "Choose why the pair should end."})
    note = _note("Anything HR should know (needed for “Other”)",
                 help_text="Only HR reads this, not your partner.")


class EndForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=REASON_CHOICES, widget=RADIOS,
                               error_messages={"required": "Choose why the pair ends."})
    note = _note("Why (needed for “Other”)")


class DeclineForm(forms.Form):
    note = _note("Tell them why the pair goes on", required=True,
                 help_text="The person who asked receives this by email.")


class ExtendForm(forms.Form):
    until = forms.DateField(label="Last day", widget=_DateInput(),
                            help_text="After the cohort's end date, at most a year later.",
                            error_messages={"required": "Give the extension's last day.",
                                            "invalid": "Give the last day as a date, "
                                                       "e.g. 2027-09-30."})
    note = _note()


class RepairForm(forms.Form):
    """A new mentor for the pair's mentee and/or a new mentee for its mentor, each chosen
    with a search field and radio buttons among at most 20 matches."""

    mentor = forms.ModelChoiceField(
        queryset=Participant.objects.none(), required=False, label="New mentor",
        error_messages={"invalid_choice": "That mentor is not an enrolled mentor of this "
                                          "cohort: search again and pick one."})
    mentee = forms.ModelChoiceField(
        queryset=Participant.objects.none(), required=False, label="New mentee",
        error_messages={"invalid_choice": "That mentee is not an enrolled mentee of this "
                                          "cohort: search again and pick one."})
    mentor_q = forms.CharField(required=False, max_length=150, label="Find a new mentor")
    mentee_q = forms.CharField(required=False, max_length=150, label="Find a new mentee")
    override_reason = forms.CharField(
        required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2}),
        label="Override reason", help_text="Needed when a new pair breaks a matching rule.")
    note = _note("Why re-pair (optional)", help_text="Kept in the pair's history for HR.")

    def __init__(self, data=None, *, mentors=None, mentees=None):
        super().__init__(data)
        if mentors is not None:
            self.fields["mentor"].queryset = mentors
            self.fields["mentee"].queryset = mentees

    def chosen_pk(self, role: str) -> int | None:
        if not self.is_bound:
            return None
        try:
            return int(self.data.get(role, ""))
        except (TypeError, ValueError):
            return None

    def search_text(self, role: str) -> str:
        return (self.data.get(f"{role}_q", "") if self.is_bound else "")[:150]


class HealthFilterForm(forms.Form):
    """Filters and sort of the pair health list; they live in the query string."""

    q = forms.CharField(required=False, max_length=150, label="Find a person")
    health = forms.ChoiceField(required=False, label="Health",
                               choices=[("", "Every pair"), *pair_health.HEALTH_FILTERS.items()])
    sort = forms.ChoiceField(required=False, label="Sort by",
                             choices=list(pair_health.SORTS.items()))

    def filters(self) -> pair_health.HealthFilters:
        if not self.is_bound or not self.is_valid():
            return pair_health.HealthFilters()
        data = self.cleaned_data
        return pair_health.HealthFilters(q=data["q"].strip(), health=data["health"],
                                         sort=data["sort"] or "attention")
