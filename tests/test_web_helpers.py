"""core/web.py: the web's one way from a posted form (or a button) to a service and back."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.web import action_submit, attempt, form_post, form_submit


class NameForm(forms.Form):
    name = forms.CharField(max_length=10)


def _request():
    request = RequestFactory().post("/")
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_valid_form_reaches_the_service_with_its_cleaned_data():
    calls = []

    ok, result = form_submit(NameForm({"name": " Ana "}),
                             lambda data: calls.append(data) or "done")

    assert (ok, result) == (True, "done")
    assert calls == [{"name": "Ana"}]


def test_an_invalid_form_never_reaches_the_service():
    form = NameForm({"name": "x" * 11})

    ok, result = form_submit(form, lambda data: service_must_not_run())

    assert (ok, result) == (False, None)
    assert list(form.errors) == ["name"]


def service_must_not_run():
    raise AssertionError("the service ran")


def test_the_services_errors_land_next_to_their_fields_or_at_the_top():
    def service(data):
        raise ValidationError({"name": ["Taken."], "elsewhere": ["Not a field here."],
                               "__all__": ["Whole form."]})

    form = NameForm({"name": "Ana"})
    ok, _ = form_submit(form, service)

    assert not ok
    assert form.errors["name"] == ["Taken."]
    assert form.non_field_errors() == ["Not a field here.", "Whole form."]


def test_a_message_without_a_field_goes_to_the_top():
    form = NameForm({"name": "Ana"})

    form_submit(form, lambda data: (_ for _ in ()).throw(ValidationError("Closed.")))

    assert form.non_field_errors() == ["Closed."]


def test_an_action_says_what_happened_in_a_message():
    request = _request()

    done = action_submit(request, lambda: 3, success=lambda n: f"{n} done.")
    refused = action_submit(request, lambda: (_ for _ in ()).throw(
        ValidationError(["No.", "Really not."])), success="never shown")

    assert done == (True, 3)
    assert refused == (False, None)
    assert [(m.level_tag, m.message) for m in get_messages(request)] == [
        ("success", "3 done."), ("error", "No. Really not.")]


class WhenForm(forms.Form):
    when = forms.CharField()
    slot = forms.CharField(required=False)


def _refuse_starts_at(data):
    raise ValidationError({"starts_at": ["Both are busy then."]})


def test_aliases_put_the_services_key_on_the_forms_field():
    form = WhenForm({"when": "today"})

    form_submit(form, _refuse_starts_at, aliases={"starts_at": "when"})

    assert form.errors["when"] == ["Both are busy then."]
    assert form.non_field_errors() == []


def test_aliases_may_depend_on_what_was_posted():
    picked, typed = WhenForm({"when": "x", "slot": "3"}), WhenForm({"when": "x"})

    for form in (picked, typed):
        form_submit(form, _refuse_starts_at,
                    aliases=lambda data: {"starts_at": "slot"} if data["slot"] else {})

    assert picked.errors["slot"] == ["Both are busy then."]
    assert "slot" not in typed.errors
    assert typed.non_field_errors() == ["Both are busy then."]


def test_field_puts_the_whole_error_next_to_one_field_as_one_sentence():
    def service(data):
        raise ValidationError({"__all__": ["Already invited."], "other": ["Twice."]})

    form = NameForm({"name": "Ana"})
    form_submit(form, service, field="name")

    assert form.errors["name"] == ["Already invited. Twice."]
    assert form.non_field_errors() == []


def test_every_form_posted_together_is_validated_and_all_must_be_valid():
    main, other = NameForm({"name": "Ana"}), NameForm({"name": "x" * 11})

    ok, _ = form_submit(main, lambda data: service_must_not_run(), also=[other])

    assert not ok
    assert list(other.errors) == ["name"]

    invalid_main, checked = NameForm({}), NameForm({"name": "x" * 11})
    form_submit(invalid_main, lambda data: service_must_not_run(), also=[checked])
    assert list(checked.errors) == ["name"]  # validated even though the first one failed


def test_attempt_gives_the_result_or_the_refusal_in_one_sentence():
    assert attempt(lambda: 5) == (5, "")
    assert attempt(lambda: (_ for _ in ()).throw(ValidationError(["No.", "Never."])),
                   default=[]) == ([], "No. Never.")


def test_form_post_renders_the_refused_form_under_its_context_name():
    class View:
        request = _request()

        def get_context_data(self, **kwargs):
            return kwargs

        def render_to_response(self, context, status):
            return context, status

    form = NameForm({"name": "Ana"})
    context, status = form_post(View(), form, lambda data: (_ for _ in ()).throw(
        ValidationError("Closed.")), success="never", then=lambda _: None,
        form_name="invite_form")

    assert (context, status) == ({"invite_form": form}, 400)
    assert form.non_field_errors() == ["Closed."]
