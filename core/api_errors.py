"""One translation from domain errors to HTTP for the whole API.

Services raise Django's ``ValidationError`` (field keys when they know the field); views and
serializers do not catch it. This handler turns it into DRF's 400 with the field keys kept,
``non_field_errors`` for the rest: the shape documented in docs/api.md and in the schema
(``core/api_schema.py``). Everything else is DRF's default handling.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler


def validation_error_detail(error: DjangoValidationError) -> dict[str, list[str]]:
    """``{"field": ["message", …], "non_field_errors": […]}`` for a Django ValidationError."""
    if hasattr(error, "error_dict"):
        return {(api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field):
                messages for field, messages in error.message_dict.items()}
    return {api_settings.NON_FIELD_ERRORS_KEY: error.messages}


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(validation_error_detail(exc))
    return exception_handler(exc, context)
