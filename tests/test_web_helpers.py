"""core/web.py: the web's one way from a posted form (or a button) to a service and back."""

from __future__ import annotations

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core.web import action_submit, form_submit


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
