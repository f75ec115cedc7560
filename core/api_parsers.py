"""Request parsing that answers bad JSON with a 400 and a reason, never a server error."""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

NUL = "\x00"


def first_nul_path(data: Any) -> str | None:
    """Where the first NUL character sits in parsed JSON (``objectives[2]``, a key, …), or
    ``None``. Iterative, so even the deepest document the parser accepted cannot overflow."""
    pending: list[tuple[str, Any]] = [("", data)]
    while pending:
        path, value = pending.pop()
        if isinstance(value, str):
            if NUL in value:
                return path or "the body"
        elif isinstance(value, dict):
            for key, item in value.items():
                child = f"{path}.{key}" if path else str(key)
                if NUL in str(key):
                    return f"a key of {path or 'the body'}"
                pending.append((child, item))
        elif isinstance(value, list):
            pending.extend((f"{path}[{index}]", item) for index, item in enumerate(value))
    return None


class StrictJSONParser(JSONParser):
    """DRF's JSON parser, plus two answers it lacks: a document nested so deeply that parsing
    it would exhaust the stack, and text holding NUL characters (PostgreSQL cannot store
    them), are both refused with a 400 that says so."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as error:
            raise ParseError("JSON parse error: the document is nested too deeply.") from error
        where = first_nul_path(data)
        if where is not None:
            raise ParseError(f"Text may not contain NUL characters (found in {where}).")
        return data
