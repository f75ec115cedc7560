"""Services raise Django's ValidationError; the API answers 400 with the field keys kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from core.api_errors import validation_error_detail


class RaisesValidationError(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    error: ValidationError = ValidationError("unset")

    def get(self, request):
        raise self.error


@pytest.mark.parametrize(("error", "expected"), [
    (ValidationError({"name": "Give it a name."}), {"name": ["Give it a name."]}),
    (ValidationError({"__all__": ["Two problems.", "Really."], "capacity": ["Too high."]}),
     {"non_field_errors": ["Two problems.", "Really."], "capacity": ["Too high."]}),
    (ValidationError("Not while the cohort is active."),
     {"non_field_errors": ["Not while the cohort is active."]}),
    (ValidationError(["One.", "Two."]), {"non_field_errors": ["One.", "Two."]}),
])
def test_a_services_validation_error_is_a_400_with_field_keys(error, expected):
    view = RaisesValidationError.as_view(error=error)

    response = view(APIRequestFactory().get("/"))

    assert response.status_code == 400
    assert response.data == expected
    assert validation_error_detail(error) == expected
