"""Small helpers shared by the web views of every app."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse

T = TypeVar("T")


def optional_url(name: str, **kwargs) -> str | None:
    """The URL of ``name``, or None where that page does not exist (yet)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def validation_message(error: ValidationError) -> str:
    """A service's ValidationError as one sentence for a flash message."""
    return " ".join(error.messages)


def form_add_validation_error(form: forms.BaseForm, error: ValidationError, *,
                              aliases: Mapping[str, str] | None = None,
                              field: str | None = None) -> None:
    """Put a service's ValidationError next to the fields it names (field keys the form does
    not have, and errors without a field, go to the top of the form). ``aliases`` renames
    the service's keys to the form's (``{"starts_at": "when"}``); ``field`` puts the whole
    error, as one sentence (:func:`validation_message`), next to that one field instead (a
    form whose one field the service checks: the invitation's email)."""
    if field is not None:
        form.add_error(field, validation_message(error))
    elif hasattr(error, "error_dict"):
        aliases = aliases or {}
        for key, messages_ in error.message_dict.items():
            key = aliases.get(key, key)
            form.add_error(key if key in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


Aliases = Mapping[str, str] | Callable[[dict], Mapping[str, str]] | None


def form_submit(form: forms.BaseForm, service: Callable[[dict], T], *,
                also: Sequence[forms.BaseForm | forms.BaseFormSet] = (),
                aliases: Aliases = None, field: str | None = None) -> tuple[bool, T | None]:
    """The web's one way from a posted form to a service: validate ``form``; when it is valid
    call ``service(form.cleaned_data)``; a ValidationError the service raises lands on the
    form (:func:`form_add_validation_error`, with ``aliases`` — a mapping, or a function of
    the cleaned data — and ``field``). Returns ``(True, result)`` when the service ran,
    else ``(False, None)``: the view then redirects, or renders the form again (400).
    ``also``: the other forms or formsets posted with it; every one is validated (each shows
    its own errors) and the service runs only when all are valid.

    ``ok, cohort = form_submit(form, lambda data: cohort_create(program=program, **data))``
    """
    valid = [each.is_valid() for each in (form, *also)]  # every one, for its errors
    if not all(valid):
        return False, None
    try:
        return True, service(form.cleaned_data)
    except ValidationError as error:
        form_add_validation_error(
            form, error, field=field,
            aliases=aliases(form.cleaned_data) if callable(aliases) else aliases)
        return False, None


def action_submit(request: HttpRequest, service: Callable[[], T], *,
                  success: str | Callable[[T], str] = "") -> tuple[bool, T | None]:
    """The same for an action without a form (a button): call ``service()``; a ValidationError
    becomes an error message (:func:`validation_message`), success the ``success`` message
    (a sentence, or a function of the result). The view redirects either way."""
    try:
        result = service()
    except ValidationError as error:
        messages.error(request, validation_message(error))
        return False, None
    text = success(result) if callable(success) else success
    if text:
        messages.success(request, text)
    return True, result


def attempt(service: Callable[[], T], *, default: T | None = None) -> tuple[T | None, str]:
    """For a page that shows a service's refusal instead of acting on it (the live score of a
    pair that cannot be scored): ``(service(), "")``, or ``(default, the refusal as one
    sentence)`` (:func:`validation_message`)."""
    try:
        return service(), ""
    except ValidationError as error:
        return default, validation_message(error)


def form_post(view, form: forms.BaseForm, service: Callable[[dict], T], *,
              success: str | Callable[[T], str],
              then: Callable[[T], HttpResponse],
              form_name: str = "form", aliases: Aliases = None,
              field: str | None = None) -> HttpResponse:
    """The whole form post of a ``TemplateView`` on top of :func:`form_submit`: when the service
    ran, flash ``success`` (a sentence, or a function of the result) and answer
    ``then(result)`` (usually a redirect); otherwise render the view again with the form and
    its errors (in the context as ``form_name``), status 400.

    ``return form_post(self, form, lambda data: goal_create(pair=pair, **data),
    success="Goal added.", then=lambda goal: redirect(goal))``
    """
    ok, result = form_submit(form, service, aliases=aliases, field=field)
    if not ok:
        return view.render_to_response(view.get_context_data(**{form_name: form}), status=400)
    messages.success(view.request, success(result) if callable(success) else success)
    return then(result)
