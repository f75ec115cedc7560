"""The Jinja2 environment of the page fragments that repeat a row 50 times (a roster page, a
review page): Django templates for pages, Jinja2 for those rows.

Django's template engine resolves every ``{{ row.name }}`` through a chain of lookups and
re-localises every value; 50 rows of ten cells took 8-13 ms of a page (bench/pages.py),
Jinja2's compiled templates take a tenth of that. The fragments autoescape as the pages do
(Django's backend turns it on; ``SafeString`` values, which define ``__html__``, are not
escaped twice) and print numbers unlocalised, as ``{% localize off %}`` did. They are
rendered by the ``{% fragment %}`` tag (accounts/templatetags/flipside.py) from templates
under ``<app>/jinja2/``."""

from __future__ import annotations

import datetime

import jinja2
from django.template import defaultfilters
from django.utils import timezone
from django.utils.dates import MONTHS_3


def date(value: datetime.date | datetime.datetime | None, format_string: str) -> str:
    """Django's ``|date`` filter, in the current time zone as the template engine passes it.
    ``"j M Y"`` (the lists' format, "2 Dec 2026") is written here: Django's formatter took
    20 µs a date, a thousand of them a page."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    if format_string == "j M Y":
        return f"{value.day} {MONTHS_3[value.month].title()} {value.year}"
    return defaultfilters.date(value, format_string)


def environment(**options) -> jinja2.Environment:
    options["autoescape"] = True  # Django's backend sets it too; never without
    env = jinja2.Environment(**options)  # noqa: S701  autoescape is on, the line above
    env.filters["date"] = date
    env.filters["floatformat"] = defaultfilters.floatformat
    return env
