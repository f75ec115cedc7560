"""Forms of check-ins, fit checks and HR alerts: every field labelled, the scales as radio
buttons (one tap on a phone). They check the shape of input; the services check the rules."""

from __future__ import annotations

from django import forms

from sessions.models import AgendaSetter, AlertStatus, CheckInBlocker, FitAnswer

SCORE_CHOICES = [("1", "1 · badly"), ("2", "2"), ("3", "3"), ("4", "4"),
                 ("5", "5 · very well")]
CANDOUR_CHOICES = [("1", "1 · not at all"), ("2", "2"), ("3", "3"), ("4", "4"),
                   ("5", "5 · fully")]
YES_NO = [("yes", "Yes"), ("no", "No")]


class CheckInForm(forms.Form):
    score = forms.TypedChoiceField(
        label="How is your mentoring going?", choices=SCORE_CHOICES, coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how it is going, from 1 (badly) to 5 (very well)."})
    blockers = forms.MultipleChoiceField(
        label="Anything in the way?", choices=CheckInBlocker.choices, required=False,
        widget=forms.CheckboxSelectMultiple, help_text="Tick all that apply, or none.")
    blocker_text = forms.CharField(
        label="In your own words (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed if you tick “Other”. Only you read it, unless you share it with HR "
                  "below.")
    agenda_set_by = forms.ChoiceField(
        label="Who set the agenda last time?", choices=AgendaSetter.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say who set the agenda last time (or nobody)."})
    candour = forms.TypedChoiceField(
        label="Did you feel able to speak candidly?", choices=CANDOUR_CHOICES, coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how candid you could be, from 1 (not at all) to 5 "
                                    "(fully)."})
    wants_hr_contact = forms.TypedChoiceField(
        label="Would you like HR to reach out?", choices=YES_NO,
        coerce=lambda value: value == "yes", widget=forms.RadioSelect,
        error_messages={"required": "Say whether you would like HR to reach out (yes or no)."})
    share_text_with_hr = forms.BooleanField(
        label="Share what I wrote with HR", required=False,
        help_text="Unticked, HR never reads your words: at most that a check-in needs "
                  "attention, and why.")

    def clean(self):
        cleaned = super().clean()
        if CheckInBlocker.OTHER in cleaned.get("blockers", []) and \
                not cleaned.get("blocker_text", "").strip() and "blocker_text" not in self.errors:
            self.add_error("blocker_text",
                           "You ticked “Other”: say in a few words what is in the way.")
        return cleaned


class FitCheckForm(forms.Form):
    answer = forms.ChoiceField(label="Is this pairing working for you?",
                               choices=FitAnswer.choices, widget=forms.RadioSelect,
                               error_messages={"required": "Choose yes, not sure or no."})


class CheckInScheduleForm(forms.Form):
    cadence_days = forms.IntegerField(
        label="Ask each person every (days)", min_value=7, max_value=91,
        help_text="Counted from each pair's first session. 28 days is every four weeks.")
    inactivity_days = forms.IntegerField(
        label="Warn a pair after this many days without activity", min_value=14, max_value=180,
        help_text="No session, log or change for this long: both people and HR are warned, and "
                  "7 days later the pair is closed as inactive unless someone acts.")


class AlertResolveForm(forms.Form):
    note = forms.CharField(label="What was done", max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": "Say what was done (a short note for "
                                                       "the record)."})


class AlertFilterForm(forms.Form):
    status = forms.ChoiceField(label="Show", required=False,
                               choices=[("", "All alerts"), *AlertStatus.choices])
