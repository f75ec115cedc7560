from django import forms

from programs.catalog import TEMPLATES
from programs.models import Cohort, DirectedPrompt, Program, Resource, Topic


class ProgramCreateForm(forms.Form):
    START_BLANK = "blank"
    name = forms.CharField(max_length=160, label="Program name")
    start_from = forms.ChoiceField(
        label="Start from", widget=forms.RadioSelect,
        choices=[(t.key, t.name) for t in TEMPLATES] + [(START_BLANK, "A blank program")],
        initial=TEMPLATES[0].key,
    )
    copy_from = forms.ModelChoiceField(
        queryset=Program.objects.none(), required=False, label="…or copy an existing program",
        help_text="Copies objectives, guidelines, prompts, resources and focus areas.",
    )
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                              help_text="Leave empty to use the template's purpose.")

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        if programs is not None:
            self.fields["copy_from"].queryset = programs

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start_from") == self.START_BLANK and not cleaned.get("copy_from") \
                and not (cleaned.get("purpose") or "").strip():
            self.add_error("purpose", "A blank program needs a purpose: say why it exists.")
        return cleaned


class ObjectivesField(forms.CharField):
    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value) or ""
        if "\x00" in text:  # the CharField's own check runs on the list, where it cannot see it
            raise forms.ValidationError("Remove the NUL character (\\0) from the objectives.")
        return [line.strip(" -•\t") for line in text.splitlines() if line.strip(" -•\t")]


class ProgramForm(forms.ModelForm):
    objectives = ObjectivesField(required=False,
                                 help_text="One measurable objective per line, e.g. “80% of "
                                           "leaders report higher confidence with AI tools”.")
    focus_areas = forms.ModelMultipleChoiceField(queryset=Topic.objects.none(), required=False,
                                                 widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Program
        fields = ["name", "purpose", "objectives", "focus_areas", "guidelines",
                  "confidentiality_statement"]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 3}),
            "guidelines": forms.Textarea(attrs={"rows": 8}),
            "confidentiality_statement": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topics is not None:
            self.fields["focus_areas"].queryset = topics


class PromptForm(forms.ModelForm):
    # Declared, not generated: a generated field would query topics at import, unscoped.
    topic = forms.ModelChoiceField(queryset=Topic.objects.none(), required=False)

    class Meta:
        model = DirectedPrompt
        fields = ["text", "phase", "topic"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}
        labels = {"text": "Prompt"}

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].queryset = topics if topics is not None else Topic.objects.none()


class ResourceForm(forms.ModelForm):
    url = forms.URLField(required=False, assume_scheme="https", label="Link")

    class Meta:
        model = Resource
        fields = ["title", "audience", "url", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 4})}
        labels = {"url": "Link", "body": "Text (Markdown)"}

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("url") and not (cleaned.get("body") or "").strip():
            raise forms.ValidationError("Give the resource a link, some text, or both.")
        return cleaned


class TopicForm(forms.Form):
    name = forms.CharField(max_length=80, label="Topic name")


class TopicMergeForm(forms.Form):
    target = forms.ModelChoiceField(queryset=Topic.objects.none(), label="Merge into")

    def __init__(self, *args, topics=None, **kwargs):
        super().__init__(*args, **kwargs)
        if topics is not None:
            self.fields["target"].queryset = topics


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CohortForm(forms.ModelForm):
    class Meta:
        model = Cohort
        fields = [
            "name", "start_date", "end_date", "enrollment_opens", "enrollment_closes",
            "cadence_days", "session_minutes", "default_mentor_capacity",
            "min_seniority_gap", "allow_same_department", "language_must_match",
            "manager_chain_depth", "matching_mode", "fairness", "spread_load",
        ]
        widgets = dict.fromkeys(
            ("start_date", "end_date", "enrollment_opens", "enrollment_closes"), DATE_WIDGET)
        labels = {
            "allow_same_department": "Allow pairs from the same department",
            "language_must_match": "Partners must share a language",
            "fairness": "Fairness first (raise the worst pair's score)",
            "spread_load": "Spread the load (a first mentee for every mentor before seconds)",
        }


class TransitionForm(forms.Form):
    to_status = forms.CharField(max_length=16)
