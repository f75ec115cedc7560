from django import forms

from matching.models import DecisionKind
from matching.selectors import REVIEW_DECISIONS, REVIEW_SORTS
from programs.models import Participant


class ManualPairForm(forms.Form):
    """A mentor and a mentee chosen with the search-as-you-type pickers (the choices are
    radio buttons among at most 20 matches, so the page never lists the whole cohort)."""

    mentor = forms.ModelChoiceField(
        queryset=Participant.objects.none(), label="Mentor",
        error_messages={"required": "Choose a mentor: type part of a name, title or "
                                    "department, then pick one.",
                        "invalid_choice": "That mentor is not an enrolled mentor of this "
                                          "cohort: search again and pick one."})
    mentee = forms.ModelChoiceField(
        queryset=Participant.objects.none(), label="Mentee",
        error_messages={"required": "Choose a mentee: type part of a name, title or "
                                    "department, then pick one.",
                        "invalid_choice": "That mentee is not an enrolled mentee of this "
                                          "cohort: search again and pick one."})
    mentor_q = forms.CharField(required=False, max_length=150, label="Find a mentor")
    mentee_q = forms.CharField(required=False, max_length=150, label="Find a mentee")
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label="Override reason",
        help_text="Required when the pair breaks a matching rule.")

    def __init__(self, *args, mentors=None, mentees=None, **kwargs):
        super().__init__(*args, **kwargs)
        if mentors is not None:
            self.fields["mentor"].queryset = mentors
            self.fields["mentee"].queryset = mentees

    def chosen_pk(self, role: str) -> int | None:
        """The pk the form was sent with for ``role`` (valid or not), to keep it checked."""
        if not self.is_bound:
            return None
        try:
            return int(self.data.get(role, ""))
        except (TypeError, ValueError):
            return None

    def search_text(self, role: str) -> str:
        return (self.data.get(f"{role}_q", "") if self.is_bound else "")[:150]

    def pair_data(self) -> dict:
        return {key: self.cleaned_data[key] for key in ("mentor", "mentee", "override_reason")}


class ReviewFilterForm(forms.Form):
    """Filters and sort of a run's review; they live in the query string."""

    q = forms.CharField(required=False, max_length=150, label="Find a person")
    decision = forms.ChoiceField(required=False, label="Decision",
                                 choices=[("", "All pairs"), *REVIEW_DECISIONS.items()])
    sort = forms.ChoiceField(required=False, label="Sort by",
                             choices=[(key, label) for key, (label, _) in REVIEW_SORTS.items()])

    def filters(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {"q": "", "decision": "", "sort": "-score"}
        data = self.cleaned_data
        return {"q": data["q"].strip(), "decision": data["decision"],
                "sort": data["sort"] or "-score"}


class PublishForm(forms.Form):
    confirm = forms.BooleanField(
        label="Yes, publish these pairs and send the introductions",
        error_messages={"required": "Confirm on this page to publish: nothing was sent."})


class DecisionForm(forms.Form):
    kind = forms.ChoiceField(choices=[(DecisionKind.LOCK, "Lock"),
                                      (DecisionKind.REJECT, "Reject")])
    override_reason = forms.CharField(required=False, max_length=1000)


class SwapForm(forms.Form):
    first = forms.IntegerField(label="First pair")
    second = forms.IntegerField(label="Second pair")
    override_reason = forms.CharField(required=False, max_length=1000)
