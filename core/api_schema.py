"""OpenAPI schema generation: every operation documents the errors it can answer with.

DRF answers 400 (bad input), 401 (no or bad credentials), 403 (role), 404 (not a member, no
such object, no such page), 405 and 429 (throttled) from shared code, never from the views,
so the generator adds them to each operation instead of each view declaring them again.
Shapes: ``{"detail": "…"}`` for every error but 400; 400 keeps DRF's field keys
(``{"<field>": ["…"], "non_field_errors": ["…"]}``) or ``{"detail": "…"}`` for a body that
cannot be parsed.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "description": "Field names (or non_field_errors) mapped to messages, or a detail.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object"},
        ],
    },
}


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="What went wrong, for a person to read.")


class FlipsideAutoSchema(AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        errors = {"401": "Not signed in, or the token is unknown or revoked.",
                  "403": "Your role in this organization cannot do this.",
                  "429": "Too many requests: wait for the seconds in Retry-After."}
        if "{" in self.path:
            errors["404"] = ("No such organization for you, no such object in it, or no such "
                             "page of results.")
        if self.method in ("POST", "PUT", "PATCH") or self._get_filter_parameters() \
                or self._get_pagination_parameters():
            errors["400"] = "The input is not valid; the body says which field and why."
        for code, description in sorted(errors.items()):
            if code in responses:
                continue
            schema = VALIDATION_ERROR_SCHEMA if code == "400" else ErrorSerializer
            response = self._get_response_for_code(schema, code, direction=direction)
            response["description"] = description
            responses[code] = response
        return responses
