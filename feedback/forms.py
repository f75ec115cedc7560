"""Forms of the survey pages. They parse and label input; the rules live in the services
(their ``ValidationError`` is put back next to the field by
:func:`core.web.form_add_validation_error`).

Build every form inside the tenant scope (its choices read the organization's cohorts,
templates and topics)."""

from __future__ import annotations

from django import forms

from feedback import catalog
from feedback.models import MAX_REMINDER_DAYS, MAX_TEXT_ANSWER, Question, QuestionKind, Survey
from feedback.selectors import BREAKDOWNS, ROLE_LABELS, visibility
from feedback.services import AnswerInput
from programs.models import Audience, Cohort

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
REMINDER_CHOICES = [(0, "No reminder"), (1, "1 day before it closes"),
                    *((n, f"{n} days before it closes") for n in range(2, MAX_REMINDER_DAYS + 1))]
BUILTIN_CHOICES = [(key, f"{t.title} (built-in)") for key, t in catalog.TEMPLATES.items()]


def _cohort_choices() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=Cohort.objects.select_related("program").exclude(
            status__in=("completed", "archived")).order_by("-start_date", "name"),
        label="Cohort", empty_label="Choose a cohort")


class SurveyCreateForm(forms.Form):
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), label="Cohort")
    template = forms.ChoiceField(label="Start from", help_text="The questions are copied into "
                                 "the new survey; you can edit them until the first answer.")
    title = forms.CharField(max_length=160, required=False,
                            help_text="Leave empty to use the template's title.")
    opens_on = forms.DateField(widget=DATE, required=False, label="Opens on",
                               help_text="At the start of the day, in the organization's time "
                                         "zone.")
    closes_on = forms.DateField(widget=DATE, required=False, label="Closes on",
                                help_text="At the end of the day, in the organization's time "
                                          "zone.")
    reminder_days = forms.TypedChoiceField(choices=REMINDER_CHOICES, coerce=int, initial=2,
                                           label="One reminder")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cohort"] = _cohort_choices()
        self.templates = {f"template:{t.pk}": t
                          for t in Survey.objects.filter(is_template=True).order_by("title")}
        self.fields["template"].choices = [
            ("Built-in templates", BUILTIN_CHOICES),
            ("Your templates", [(key, t.title) for key, t in self.templates.items()]),
        ]

    def chosen_template(self) -> str | Survey:
        value = self.cleaned_data["template"]
        return self.templates.get(value, value)


class SurveySettingsForm(forms.Form):
    title = forms.CharField(max_length=160)
    intro = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            help_text="Shown above the questions.")
    anonymous = forms.BooleanField(
        required=False, label="Anonymous (answers stored with no link to the person)",
        help_text="Shown only as totals of at least k people; free text to HR admins only, "
                  "from 2k. Fixed once the survey is published.")
    opens_on = forms.DateField(widget=DATE, required=False, label="Opens on",
                               help_text="At the start of the day, in the organization's time "
                                         "zone.")
    closes_on = forms.DateField(widget=DATE, required=False, label="Closes on",
                                help_text="At the end of the day, in the organization's time "
                                          "zone.")
    reminder_days = forms.TypedChoiceField(choices=REMINDER_CHOICES, coerce=int,
                                           label="One reminder")

    @classmethod
    def for_survey(cls, survey: Survey, data=None) -> SurveySettingsForm:
        return cls(data, initial={name: getattr(survey, name) for name in cls.base_fields})


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=QuestionKind.choices, label="Type")
    text = forms.CharField(max_length=300, label="Question")
    help_text = forms.CharField(max_length=300, required=False, label="Hint",
                                help_text="Shown under the question, e.g. what 1 and 5 mean.")
    audience = forms.ChoiceField(choices=Audience.choices, label="Asked of")
    required = forms.BooleanField(required=False, initial=True, label="An answer is required")
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, label="Options",
        help_text="For choice questions: one option per line.")

    @classmethod
    def for_question(cls, question: Question, data=None) -> QuestionForm:
        return cls(data, initial={
            "kind": question.kind, "text": question.text, "help_text": question.help_text,
            "audience": question.audience, "required": question.required,
            "choices": "\n".join(question.choices)})

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data["choices"] = [line for line in data["choices"].splitlines() if line.strip()]
        return data


class TemplateCopyForm(forms.Form):
    template = forms.ChoiceField(choices=BUILTIN_CHOICES, label="Built-in template")


class SurveyCopyForm(forms.Form):
    cohort = forms.ModelChoiceField(queryset=Cohort.objects.none(), required=False,
                                    label="For cohort")
    title = forms.CharField(max_length=160, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = _cohort_choices()
        field.required = False
        field.empty_label = "None: keep it as one of your templates"
        field.help_text = "Dates are copied for a cohort's survey; a template has none."
        self.fields["cohort"] = field


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])


class ResultsFilterForm(forms.Form):
    """The filters of the results page (GET). Every choice here only narrows or splits what
    ``feedback.suppression`` publishes; none can show a group below k."""

    role = forms.ChoiceField(required=False, label="Role",
                             choices=[("", "Everyone"), *ROLE_LABELS.items()])
    department = forms.ChoiceField(required=False, label="Department")
    since = forms.DateField(widget=DATE, required=False, label="Answers released from")
    until = forms.DateField(widget=DATE, required=False, label="to")
    by = forms.ChoiceField(required=False, label="Break down by",
                           choices=[("", "Nothing"), *BREAKDOWNS.items()])

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = [("", "Every department"),
                                             *((d, d) for d in departments)]

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["until"] < data["since"]:
            self.add_error("until", "The end of the range must not be before its start.")
        return data


# --- answering -------------------------------------------------------------------------------

#: Scales as a row of large buttons (radio inputs styled as buttons: thumb-sized on a phone).
BUTTONS = forms.RadioSelect(attrs={"class": "btn-check"})
CHECK = {"class": "form-check-input"}


class AnswerForm(forms.Form):
    """One page of a respondent's questions. Every field is optional here: which answers are
    required, and which values are allowed, is checked by ``services.answers_clean`` (its
    errors come back next to the field)."""

    def __init__(self, *args, survey: Survey, questions, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey, self.questions, self.topics = survey, list(questions), list(topics)
        self.items = []  # (question, [(field name, topic or None)], visibility)
        for question in self.questions:
            names = []
            if question.kind == QuestionKind.TOPIC_SCALE:
                for topic in self.topics:
                    name = f"q{question.pk}_t{topic.pk}"
                    self.fields[name] = forms.TypedChoiceField(
                        label=topic.name, required=False, coerce=int, empty_value=None,
                        choices=[(n, str(n)) for n in range(1, 6)], widget=BUTTONS)
                    names.append((name, topic))
            else:
                name = f"q{question.pk}"
                self.fields[name] = self._field(question)
                names.append((name, None))
            self.items.append((question, names, visibility(survey=survey, question=question)))

    @staticmethod
    def _field(question: Question) -> forms.Field:
        common = {"label": question.text, "required": False, "help_text": question.help_text}
        if question.kind == QuestionKind.SCALE:
            return forms.TypedChoiceField(choices=[(n, str(n)) for n in range(1, 6)],
                                          coerce=int, empty_value=None,
                                          widget=BUTTONS, **common)
        if question.kind == QuestionKind.NPS:
            return forms.TypedChoiceField(choices=[(n, str(n)) for n in range(11)], coerce=int,
                                          empty_value=None, widget=BUTTONS, **common)
        if question.kind == QuestionKind.SINGLE:
            return forms.ChoiceField(choices=[(c, c) for c in question.choices],
                                     widget=forms.RadioSelect(attrs=CHECK), **common)
        if question.kind == QuestionKind.MULTIPLE:
            return forms.MultipleChoiceField(choices=[(c, c) for c in question.choices],
                                             widget=forms.CheckboxSelectMultiple(attrs=CHECK),
                                             **common)
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
                               max_length=MAX_TEXT_ANSWER, **common)

    def rows(self) -> list[dict]:
        """Per question: its bound fields (one per topic for a per-topic question) and who
        will see the answer, for the template."""
        return [{"question": question, "visibility": seen_by,
                 "fields": [{"field": self[name], "topic": topic} for name, topic in names]}
                for question, names, seen_by in self.items]

    def answer_inputs(self) -> list[AnswerInput]:
        inputs = []
        for question, names, _ in self.items:
            for name, topic in names:
                inputs.append(AnswerInput(question_id=question.pk, topic_id=topic and topic.pk,
                                          value=self.cleaned_data.get(name)))
        return inputs

    def draft_data(self) -> dict:
        """The answers given so far, as the draft keeps them (raw, unchecked, known fields
        only, each value cut to the longest an answer may be)."""
        data = {}
        for name, field in self.fields.items():
            if isinstance(field, forms.MultipleChoiceField):
                values = [v[:200] for v in self.data.getlist(name)][:50]
                if values:
                    data[name] = values
            elif self.data.get(name):
                data[name] = str(self.data.get(name))[:MAX_TEXT_ANSWER]
        return data

    def hidden_pairs(self) -> list[tuple[str, str]]:
        """The answers as (field name, value) pairs, to carry from the preview to the submit."""
        pairs = []
        for name in self.fields:
            value = self.cleaned_data.get(name)
            if value in (None, "", []):
                continue
            pairs.extend((name, str(v)) for v in (value if isinstance(value, list) else [value]))
        return pairs

    def preview(self) -> list[dict]:
        """What will be stored and who sees it, question by question (cleaned data)."""
        lines = []
        for question, names, seen_by in self.items:
            answers = []
            for name, topic in names:
                value = self.cleaned_data.get(name)
                if value in (None, "", []):
                    shown = "(no answer)"
                elif isinstance(value, list):
                    shown = ", ".join(value)
                else:
                    shown = str(value)
                answers.append({"topic": topic.name if topic else "", "value": shown})
            lines.append({"question": question.text, "answers": answers, "visibility": seen_by})
        return lines
