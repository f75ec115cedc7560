"""Small helpers shared by the web views of every app."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import NoReverseMatch, reverse


def optional_url(name: str, **kwargs) -> str | None:
    """The URL of ``name``, or None where that page does not exist (yet)."""
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


def validation_message(error: ValidationError) -> str:
    """A service's ValidationError as one sentence for a flash message."""
    return " ".join(error.messages)
