"""The form renderer: widgets through Jinja2, and through the Django template engine the few
widget templates that exist only as Django templates.

Django ships every widget and layout of ``django.forms`` for both engines, with the same HTML.
The admin's widgets (``django.contrib.admin``: related-object links, raw-id inputs, date and
time pickers, the clearable file input) and ``django.contrib.auth``'s password-hash summary
ship Django templates only, so under Django's plain Jinja2 renderer every admin page with one
of them failed with ``TemplateDoesNotExist`` (a 500: the user's change page, every add or
change page with a foreign key or a many-to-many field). Those templates render here through
the engine of Django's ``DjangoTemplates`` renderer, which is how they rendered before; what
they include of ``django/forms/`` comes from Django's own templates."""

from __future__ import annotations

from typing import Any

from django.forms.renderers import DjangoTemplates, Jinja2
from django.template.exceptions import TemplateDoesNotExist
from django.utils.functional import cached_property


class FormRenderer(Jinja2):
    """``django.forms.renderers.Jinja2``, falling back to ``DjangoTemplates`` for a template
    no ``jinja2/`` directory has."""

    def __init__(self) -> None:
        super().__init__()
        # names Jinja2 lacks, so that each admin widget looks for a Jinja2 template once
        self._django_only: set[str] = set()

    @cached_property
    def django_templates(self) -> DjangoTemplates:
        return DjangoTemplates()

    def get_template(self, template_name: str) -> Any:
        if template_name not in self._django_only:
            try:
                return super().get_template(template_name)
            except TemplateDoesNotExist:
                self._django_only.add(template_name)
        return self.django_templates.get_template(template_name)
