"""Forms of the pair's workspace. They parse and check the shape of input; the services check
the rules (a slot still free, the pair still active, who may do what)."""

from __future__ import annotations

from datetime import datetime

from django import forms

from programs.models import Topic
from sessions.models import (
    ANSWER_CHOICES,
    LOGGED_STATUSES,
    MAX_ACTUAL_MINUTES,
    GoalStatus,
    SessionFormat,
    validate_https,
)
from sessions.slots import zone

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DURATIONS = [15, 30, 45, 60, 75, 90, 120, 150, 180, 240]
OTHER, KEEP = "other", "keep"
RATING_CHOICES = [("", "No rating"), *((str(n), f"{n}") for n in range(1, 6))]


def duration_choices(default: int) -> list[tuple[int, str]]:
    values = sorted({*DURATIONS, default})
    return [(value, f"{value} minutes") for value in values]


def people_choices(people: dict[str, str]) -> list[tuple[str, str]]:
    """``{"mentor": "Maya Chen", "mentee": "Edward Vance"}`` as choices."""
    return list(people.items())


class SlotField(forms.ChoiceField):
    """The suggested starts as radio buttons, plus "another time" (and "keep" when editing).
    Any ISO start is accepted back, offered or not: whether it is still free is the
    service's question, answered with a clear message."""

    widget = forms.RadioSelect

    def valid_value(self, value) -> bool:
        if value in (OTHER, KEEP):
            return any(value == key for key, _ in self.choices)
        try:
            datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return False
        return True


class SessionTimeForm(forms.Form):
    """When: one of the suggested slots, or a time typed in the viewer's own zone."""

    slot = SlotField(label="When")
    starts_at = forms.DateTimeField(label="Another time", required=False,
                                    widget=DATETIME_WIDGET,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    duration_minutes = forms.TypedChoiceField(label="Length", coerce=int)

    def __init__(self, *args, slot_options=(), time_zone: str = "UTC", default_minutes: int = 45,
                 keep_label: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        choices = [(KEEP, keep_label)] if keep_label else []
        choices += [(option.value, option.mine) for option in slot_options]
        choices.append((OTHER, "Another time (type it below)"))
        self.fields["slot"].choices = choices
        self.fields["slot"].initial = choices[0][0]
        self.fields["starts_at"].help_text = f"Your time ({zone(time_zone).key})."
        self.fields["duration_minutes"].choices = duration_choices(default_minutes)
        self.fields["duration_minutes"].initial = default_minutes

    def clean(self):
        cleaned = super().clean()
        slot = cleaned.get("slot")
        cleaned["suggested"] = slot not in (None, OTHER, KEEP)
        if slot == OTHER:
            typed = cleaned.get("starts_at")
            if typed is None:
                if "starts_at" not in self.errors:
                    self.add_error("starts_at", "Type the date and time, or pick a suggested "
                                                "time above.")
                return cleaned
            cleaned["start"] = typed.replace(tzinfo=None).replace(tzinfo=zone(self.time_zone))
        elif slot == KEEP:
            cleaned["start"] = None
        elif slot:
            cleaned["start"] = datetime.fromisoformat(slot)
        return cleaned


class SessionDetailsForm(forms.Form):
    format = forms.ChoiceField(label="Format", choices=SessionFormat.choices,
                               initial=SessionFormat.VIDEO)
    location = forms.CharField(label="Place or phone number", max_length=200, required=False,
                               help_text="For an in-person session: room or address.")
    meeting_url = forms.URLField(label="Meeting link", max_length=500, required=False,
                                 assume_scheme="https", validators=[validate_https],
                                 help_text="https:// only, e.g. your video-call link.")
    agenda = forms.CharField(label="Agenda", required=False, max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}),
                             help_text="Markdown: **bold**, lists with -, links.")


class SessionScheduleForm(SessionTimeForm, SessionDetailsForm):
    pass


class SessionEditForm(SessionTimeForm, SessionDetailsForm):
    pass


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=300, required=False,
                             help_text="Your partner sees it.")


class SessionLogForm(forms.Form):
    status = forms.ChoiceField(label="What happened", widget=forms.RadioSelect, choices=[
        (status.value, status.label) for status in LOGGED_STATUSES])
    cancelled_by = forms.ChoiceField(label="Cancelled by", required=False,
                                     help_text="Only for a cancelled session.")
    actual_minutes = forms.IntegerField(label="How long it lasted (minutes)", required=False,
                                        min_value=1, max_value=MAX_ACTUAL_MINUTES)
    topics = forms.ModelMultipleChoiceField(label="Topics covered", required=False,
                                            queryset=Topic.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)
    summary = forms.CharField(label="Shared summary", required=False, max_length=10000,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text="What you talked about and learned. Both of you see "
                                        "it; HR does not. Markdown.")
    rating = forms.TypedChoiceField(label="How valuable was this session for you?",
                                    required=False, coerce=int, empty_value=None,
                                    choices=RATING_CHOICES, widget=forms.RadioSelect,
                                    help_text="1 = not valuable, 5 = very valuable. Not "
                                              "anonymous: your partner never sees your "
                                              "rating; HR admins may see it with your name "
                                              "(the program's after-session survey).")

    def __init__(self, *args, topics=None, people: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if topics is not None:
            self.fields["topics"].queryset = topics
        self.fields["cancelled_by"].choices = [("", "—"), *people_choices(people or {})]


class UnscheduledLogForm(SessionLogForm):
    when = forms.DateTimeField(label="When it started", widget=DATETIME_WIDGET,
                               input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    duration_minutes = forms.TypedChoiceField(label="Planned length", coerce=int)
    format = forms.ChoiceField(label="Format", choices=SessionFormat.choices,
                               initial=SessionFormat.VIDEO)

    field_order = ["when", "duration_minutes", "format", "status", "cancelled_by",
                   "actual_minutes", "topics", "summary", "rating"]

    def __init__(self, *args, time_zone: str = "UTC", default_minutes: int = 45, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.fields["when"].help_text = f"Your time ({zone(time_zone).key})."
        self.fields["duration_minutes"].choices = duration_choices(default_minutes)
        self.fields["duration_minutes"].initial = default_minutes

    def clean_when(self):
        when = self.cleaned_data["when"]
        return when.replace(tzinfo=None).replace(tzinfo=zone(self.time_zone))


class ActionItemForm(forms.Form):
    text = forms.CharField(label="Action item", max_length=300)
    owner = forms.ChoiceField(label="Who does it")
    due_date = forms.DateField(label="Due", required=False, widget=DATE_WIDGET)

    def __init__(self, *args, people: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = people_choices(people or {})


class ActionItemEditForm(ActionItemForm):
    done = forms.BooleanField(label="Done", required=False)


class PrivateNoteForm(forms.Form):
    text = forms.CharField(label="Your private note", required=False, max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 8}),
                           help_text="Only you can ever read this: not your partner, not HR. "
                                     "Empty it to delete the note.")


class GoalForm(forms.Form):
    title = forms.CharField(label="Goal", max_length=160,
                            help_text="e.g. Use an AI assistant to prepare board papers.")
    why = forms.CharField(label="Why it matters", required=False, max_length=3000,
                          widget=forms.Textarea(attrs={"rows": 3}))
    success_measure = forms.CharField(label="How you will know you got there", required=False,
                                      max_length=3000, widget=forms.Textarea(attrs={"rows": 2}))
    target_date = forms.DateField(label="Target date", required=False, widget=DATE_WIDGET)
    objectives = forms.MultipleChoiceField(label="Program objectives it serves", required=False,
                                           widget=forms.CheckboxSelectMultiple)
    topics = forms.ModelMultipleChoiceField(label="Topics", required=False,
                                            queryset=Topic.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, objectives=(), topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objectives"].choices = [(text, text) for text in objectives]
        if topics is not None:
            self.fields["topics"].queryset = topics


class GoalEditForm(GoalForm):
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices)


class GoalUpdateForm(forms.Form):
    percent = forms.IntegerField(label="Progress (%)", required=False, min_value=0,
                                 max_value=100)
    comment = forms.CharField(label="Comment", required=False, max_length=3000,
                              widget=forms.Textarea(attrs={"rows": 3}))
    on_date = forms.DateField(label="Date", required=False, widget=DATE_WIDGET,
                              help_text="Today if left empty.")

    def __init__(self, *args, is_owner: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_owner:
            del self.fields["percent"]
            self.fields["comment"].required = True
            self.fields["comment"].label = "Your comment"


class CommitmentForm(forms.Form):
    text = forms.CharField(label="What you will do differently", max_length=300,
                           help_text='e.g. "Try an AI assistant for my weekly report".')
    due_date = forms.DateField(label="By when", widget=DATE_WIDGET)
    shared_with_partner = forms.BooleanField(label="Show it to my mentor", required=False,
                                             initial=True)
    shared_with_program = forms.BooleanField(
        label="Share the text with the program (HR)", required=False,
        help_text="Otherwise HR sees only counts and follow-through rates.")


class CommitmentOutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Did it happen?", widget=forms.RadioSelect,
                                choices=ANSWER_CHOICES)
    note = forms.CharField(label="Note (optional)", required=False, max_length=3000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    new_due_date = forms.DateField(label="New due date (if not yet)", required=False,
                                   widget=DATE_WIDGET)
