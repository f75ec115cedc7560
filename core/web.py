"""Small helpers shared by the web views of every app."""

from __future__ import annotations

from collections.abc import Callable
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


def form_add_validation_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Put a service's ValidationError next to the fields it names (field keys the form does
    not have, and errors without a field, go to the top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages_ in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages_)
    else:
        form.add_error(None, error.messages)


def form_submit(form: forms.BaseForm, service: Callable[[dict], T]) -> tuple[bool, T | None]:
    """The web's one way from a posted form to a service: validate ``form``; when it is valid
    call ``service(form.cleaned_data)``; a ValidationError the service raises lands on the
    form (:func:`form_add_validation_error`). Returns ``(True, result)`` when the service ran,
    else ``(False, None)``: the view then redirects, or renders the form again (400).

    ``ok, cohort = form_submit(form, lambda data: cohort_create(program=program, **data))``
    """
    if not form.is_valid():
        return False, None
    try:
        return True, service(form.cleaned_data)
    except ValidationError as error:
        form_add_validation_error(form, error)
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


def form_post(view, form: forms.BaseForm, service: Callable[[dict], T], *,
              success: str | Callable[[T], str],
              then: Callable[[T], HttpResponse]) -> HttpResponse:
    """The whole form post of a ``TemplateView`` on top of :func:`form_submit`: when the service
    ran, flash ``success`` (a sentence, or a function of the result) and answer
    ``then(result)`` (usually a redirect); otherwise render the view again with the form and
    its errors, status 400.

    ``return form_post(self, form, lambda data: goal_create(pair=pair, **data),
    success="Goal added.", then=lambda goal: redirect(goal))``
    """
    ok, result = form_submit(form, service)
    if not ok:
        return view.render_to_response(view.get_context_data(form=form), status=400)
    messages.success(view.request, success(result) if callable(success) else success)
    return then(result)
