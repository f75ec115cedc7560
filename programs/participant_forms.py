"""Forms for participants: cohort invitations, applications, the own profile, the roster.

Build them inside the tenant scope: their choice fields query tenant-owned rows.
"""

from __future__ import annotations

import zoneinfo

from django import forms

from accounts.models import Membership
from accounts.names import name_key
from programs.availability import WEEKDAY_CHOICES, availability_problems
from programs.languages import language_name, parse_languages
from programs.models import (
    Participant,
    ParticipantRole,
    ParticipantStatus,
    SeniorityLevel,
    Topic,
    TopicInterest,
)
from programs.selectors import INVITED_LABEL, ROSTER_INVITED, member_label, member_options

TIME_ZONE_CHOICES = [("", "Choose your time zone")] + [
    (tz, tz.replace("_", " ")) for tz in sorted(zoneinfo.available_timezones())
]
GENERATION_BAND_CHOICES = [
    ("", "Prefer not to say"),
    ("gen_z", "Generation Z (born 1997–2012)"),
    ("millennial", "Millennial (born 1981–1996)"),
    ("gen_x", "Generation X (born 1965–1980)"),
    ("boomer", "Baby boomer (born 1946–1964)"),
]
RADIOS = forms.RadioSelect(attrs={"class": "form-check-input"})
CHECKBOXES = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"})
TEACH_CHOICES = [("", "—"), ("1", "1 · some experience"), ("2", "2 · solid"),
                 ("3", "3 · expert")]
LEARN_CHOICES = [("", "—"), ("1", "1 · nice to have"), ("2", "2 · important"),
                 ("3", "3 · top priority")]


class CohortInviteForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role in the cohort", choices=ParticipantRole.choices,
                             widget=RADIOS, initial=ParticipantRole.MENTOR)


class ApplicationForm(forms.Form):
    role = forms.ChoiceField(
        label="I would like to take part as", choices=ParticipantRole.choices,
        widget=RADIOS,
        help_text="Mentors are the junior colleagues who teach; mentees are the senior "
                  "leaders who learn (and share context back).")
    note = forms.CharField(
        label="Why do you want to take part?", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="A few sentences for the HR team: what you hope to give and to get.")
    teach = forms.ModelMultipleChoiceField(
        label="Key topics you could teach", queryset=Topic.objects.none(), required=False,
        widget=CHECKBOXES)
    learn = forms.ModelMultipleChoiceField(
        label="Key topics you want to learn", queryset=Topic.objects.none(), required=False,
        widget=CHECKBOXES)

    def __init__(self, *args, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["teach"].queryset = topics
        self.fields["learn"].queryset = topics

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == ParticipantRole.MENTOR and not cleaned.get("teach"):
            self.add_error("teach", "As a mentor, tick at least one topic you could teach.")
        if role == ParticipantRole.MENTEE and not cleaned.get("learn"):
            self.add_error("learn", "As a mentee, tick at least one topic you want to learn.")
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])
    reason = forms.CharField(label="Message to the applicant (optional)", required=False,
                             max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class ParticipantChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Participant) -> str:
        profile = obj.profile
        detail = ", ".join(x for x in (profile.job_title, profile.department) if x)
        name = obj.membership.user.display_name
        return f"{name} — {detail}" if detail else name


class ProfileForm(forms.Form):
    """The participant's own answers: the shared profile and this cohort's specifics."""

    job_title = forms.CharField(max_length=120, required=False)
    department = forms.CharField(max_length=120, required=False)
    level = forms.ModelChoiceField(
        label="Seniority level", queryset=SeniorityLevel.objects.none(), required=False,
        empty_label="Choose your level")
    manager_name = forms.CharField(
        label="Your manager", max_length=150, required=False,
        widget=forms.TextInput(attrs={
            "autocomplete": "off", "role": "combobox", "aria-autocomplete": "list",
            "aria-expanded": "false", "aria-controls": "manager-options"}),
        help_text="Type their name and pick them from the list, or leave it empty. Used only "
                  "so that you are never paired within your own reporting line.")
    # The picked person's id; the name above decides when the two disagree (see clean).
    manager = forms.ModelChoiceField(
        queryset=Membership.objects.none(), required=False, widget=forms.HiddenInput,
        error_messages={"invalid_choice": "Choose your manager among the members of your "
                                          "organization (type a name and pick from the list)."})
    location = forms.CharField(max_length=120, required=False,
                               help_text="City or office, e.g. “Berlin HQ”.")
    time_zone = forms.ChoiceField(choices=TIME_ZONE_CHOICES, required=False)
    languages = forms.CharField(
        label="Languages you can mentor in", max_length=300, required=False,
        help_text="Separate with commas, e.g. “English, German” or “en, de”.")
    generation_band = forms.ChoiceField(
        label="Generation (optional)", choices=GENERATION_BAND_CHOICES, required=False,
        help_text="Voluntary; only ever shown in aggregates of five people or more.")
    bio = forms.CharField(label="About you", required=False, max_length=3000,
                          widget=forms.Textarea(attrs={"rows": 4}),
                          help_text="What your partner should know about you.")
    capacity = forms.TypedChoiceField(
        label="How many mentees can you take?", coerce=int,
        choices=[(1, "1 mentee"), (2, "2 mentees"), (3, "3 mentees")])
    learning_goals = forms.CharField(
        label="Learning goals", required=False, max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you want to get out of the program, in your own words.")
    requested_partners = ParticipantChoiceField(
        label="People you would like to be paired with", required=False,
        queryset=Participant.objects.none(), widget=CHECKBOXES,
        help_text="A wish, not a promise: matching weighs it with everything else.")
    excluded_partners = ParticipantChoiceField(
        label="People you would rather not be paired with", required=False,
        queryset=Participant.objects.none(), widget=CHECKBOXES,
        help_text="For example your skip-level manager. Never shown to them.")

    def __init__(self, *args, participant: Participant, partners, levels, members,
                 show_emails: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.participant = participant
        self.show_emails = show_emails
        self.manager_choices: list = []
        self.fields["level"].queryset = levels
        self.fields["manager"].queryset = members
        self.fields["requested_partners"].queryset = partners
        self.fields["excluded_partners"].queryset = partners
        if participant.role != ParticipantRole.MENTOR:
            del self.fields["capacity"]

    @staticmethod
    def initial_for(participant: Participant, *, show_emails: bool = False) -> dict:
        profile = participant.profile
        return {
            "job_title": profile.job_title, "department": profile.department,
            "level": profile.level_id, "manager": profile.manager_id,
            "manager_name": (member_label(profile.manager.user, with_email=show_emails)
                             if profile.manager else ""),
            "location": profile.location, "time_zone": profile.time_zone,
            "languages": ", ".join(language_name(c) for c in profile.languages or []),
            "generation_band": profile.generation_band, "bio": profile.bio,
            "capacity": participant.effective_capacity,
            "learning_goals": participant.learning_goals,
            "requested_partners": [p.pk for p in participant.requested_partners.all()],
            "excluded_partners": [p.pk for p in participant.excluded_partners.all()],
        }

    def clean_languages(self) -> list[str]:
        codes, unknown = parse_languages(self.cleaned_data["languages"])
        if unknown:
            raise forms.ValidationError(
                f"We do not recognise {', '.join(f'“{u}”' for u in unknown)} as a language. "
                "Use names such as “Spanish” or “Chinese”, or codes such as “es” or “pt-BR”, "
                "separated by commas.")
        return codes

    def clean_manager_name(self) -> str:
        return " ".join(self.cleaned_data["manager_name"].split())

    def _resolve_manager(self, cleaned: dict) -> None:
        """Who the manager is. With the picker (JavaScript) the id and the name agree. Without
        it the name is plain text: an emptied name means none; a name the id's person does not
        bear is looked up, one person called exactly that is taken, and several candidates
        are offered as a choice (``manager_choices``). Clients that send only an id (no
        ``manager_name``) keep the id. The id was already checked to be a member of this
        organization (another tenant's id is "not a valid choice")."""
        if "manager" in self.errors or "manager_name" not in self.data:
            return
        text, chosen = cleaned.get("manager_name", ""), cleaned.get("manager")
        if not text:
            cleaned["manager"] = None
            return
        if chosen is not None and name_key(text) in name_key(
                member_label(chosen.user, with_email=self.show_emails)):
            return
        options, more = member_options(q=text, with_emails=self.show_emails,
                                       exclude_membership_id=self.participant.membership_id)
        exact = [o for o in options if name_key(o.name) == name_key(text)]
        cleaned["manager"] = None
        if len(exact) == 1:
            cleaned["manager"] = self.fields["manager"].queryset.get(pk=exact[0].pk)
        elif not options:
            self.add_error("manager_name", f"Nobody in your organization is called “{text}”. "
                                           "Check the spelling, or leave the field empty.")
        elif more:
            self.add_error("manager_name", f"More than {len(options)} people match “{text}”: "
                                           "type more of the name.")
        else:
            self.manager_choices = options
            self.add_error("manager_name", f"Several people match “{text}”: choose one "
                                           "below and save again.")

    def clean(self):
        cleaned = super().clean()
        self._resolve_manager(cleaned)
        requested = set(cleaned.get("requested_partners") or [])
        excluded = set(cleaned.get("excluded_partners") or [])
        if requested & excluded:
            names = ", ".join(sorted(p.membership.user.display_name for p in requested & excluded))
            self.add_error("excluded_partners", f"{names} cannot be both requested and "
                                                "excluded: untick one of the two.")
        return cleaned

    def profile_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in (
            "job_title", "department", "level", "manager", "location", "time_zone",
            "languages", "generation_band", "bio")}


class AvailabilityWindowForm(forms.Form):
    """One weekly window; a row left completely empty is ignored."""

    weekday = forms.TypedChoiceField(label="Day", coerce=int, required=False,
                                     empty_value=None,
                                     choices=[("", "Choose a day"), *WEEKDAY_CHOICES])
    start = forms.TimeField(label="From", required=False,
                            widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end = forms.TimeField(label="Until", required=False,
                          widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        values = [cleaned.get("weekday"), cleaned.get("start"), cleaned.get("end")]
        if all(v is None for v in values):
            cleaned["is_blank"] = True
            return cleaned
        if cleaned.get("DELETE"):
            return cleaned
        if cleaned.get("weekday") is None:
            self.add_error("weekday", "Choose a day of the week (or clear the whole row).")
        if cleaned.get("start") is None:
            self.add_error("start", "Give a start time, e.g. 09:00.")
        if cleaned.get("end") is None:
            self.add_error("end", "Give an end time, e.g. 10:30.")
        return cleaned


class BaseAvailabilityFormSet(forms.BaseFormSet):
    def clean(self):
        if any(form.errors for form in self.forms):
            return
        rows = self.window_rows()
        for problem in availability_problems([window for _, window in rows]):
            if problem.row is None:
                raise forms.ValidationError(problem.message)
            rows[problem.row][0].add_error(None, problem.message)

    def window_rows(self) -> list[tuple[forms.Form, dict]]:
        rows = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("is_blank") or data.get("DELETE"):
                continue
            rows.append((form, {"weekday": data["weekday"], "start": data["start"],
                                "end": data["end"]}))
        return rows

    def windows(self) -> list[dict]:
        return [window for _, window in self.window_rows()]


AvailabilityFormSet = forms.formset_factory(
    AvailabilityWindowForm, formset=BaseAvailabilityFormSet, extra=0, can_delete=True,
    max_num=21, validate_max=True)


def availability_formset(data=None, *, windows: list[dict]) -> BaseAvailabilityFormSet:
    initial = [{"weekday": w.get("weekday"), "start": w.get("start"), "end": w.get("end")}
               for w in windows]
    formset_class = forms.formset_factory(
        AvailabilityWindowForm, formset=BaseAvailabilityFormSet, can_delete=True,
        extra=2 if initial else 3, max_num=21, validate_max=True)
    return formset_class(data, initial=initial, prefix="availability")


class TopicsForm(forms.Form):
    """One row per topic: how well you can teach it and how much you want to learn it."""

    def __init__(self, *args, topics: list[Topic], current: dict[tuple[int, str], int],
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.topics = topics
        for topic in topics:
            self.fields[f"teach_{topic.pk}"] = forms.ChoiceField(
                label=f"Can teach {topic.name}", choices=TEACH_CHOICES, required=False,
                initial=str(current.get((topic.pk, TopicInterest.TEACH), "")))
            self.fields[f"learn_{topic.pk}"] = forms.ChoiceField(
                label=f"Want to learn {topic.name}", choices=LEARN_CHOICES, required=False,
                initial=str(current.get((topic.pk, TopicInterest.LEARN), "")))

    def rows(self):
        for topic in self.topics:
            yield topic, self[f"teach_{topic.pk}"], self[f"learn_{topic.pk}"]

    def chosen(self, interest: str) -> dict[Topic, int]:
        return {topic: int(value) for topic in self.topics
                if (value := self.cleaned_data.get(f"{interest}_{topic.pk}"))}


ROSTER_SORTS = {
    "name": "Name", "role": "Role", "status": "Status", "department": "Department",
    "level": "Level", "completeness": "Completeness", "applied": "Joined",
}


class RosterFilterForm(forms.Form):
    q = forms.CharField(label="Search name or email", required=False, max_length=100)
    role = forms.ChoiceField(label="Role", required=False,
                             choices=[("", "All roles"), *ParticipantRole.choices])
    status = forms.ChoiceField(label="Status", required=False,
                               choices=[("", "All statuses"), *ParticipantStatus.choices,
                                        (ROSTER_INVITED, INVITED_LABEL)])
    department = forms.ChoiceField(label="Department", required=False)
    level = forms.ModelChoiceField(label="Level", required=False,
                                   queryset=SeniorityLevel.objects.none(),
                                   empty_label="All levels")
    completeness_below = forms.IntegerField(
        label="Completeness below (%)", required=False, min_value=1, max_value=100)
    sort = forms.ChoiceField(
        label="Sort by", required=False,
        choices=[(k, v) for key, label in ROSTER_SORTS.items()
                 for k, v in ((key, f"{label} ↑"), (f"-{key}", f"{label} ↓"))])

    def __init__(self, *args, departments: list[str], levels, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "All departments"),
                                             *((d, d) for d in departments)]
        self.fields["level"].queryset = levels

    def filters(self) -> dict:
        if not self.is_valid():
            return {"sort": "name"}
        data = self.cleaned_data
        return {"q": data["q"].strip(), "role": data["role"], "status": data["status"],
                "department": data["department"], "level": data["level"],
                "completeness_below": data["completeness_below"],
                "sort": data["sort"] or "name"}
