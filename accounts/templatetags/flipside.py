from functools import lru_cache

from django import forms, template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import engines
from django.templatetags.static import static
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def asset(path: str) -> str:
    """``{% static path %}`` worked out once per worker: the layout links the same five files
    from every page, and the manifest lookup behind each costs 20 µs."""
    return _asset_url(path)


@lru_cache(maxsize=256)
def _asset_url(path: str) -> str:
    return static(path)


@receiver(setting_changed)
def _forget_asset_urls(*, setting, **kwargs) -> None:
    if setting in ("STATIC_URL", "STORAGES", "STATIC_ROOT"):
        _asset_url.cache_clear()


@register.simple_tag
def fragment(template_name: str, **values) -> SafeString:
    """``{% fragment "programs/roster_rows.html" rows=rows %}``: the Jinja2 fragment
    (core/jinja.py) rendered with ``values`` alone, autoescaped: safe to insert as is."""
    html = engines["fragments"].get_template(template_name).render(values)
    return mark_safe(html)  # noqa: S308  rendered with autoescape on


def _css_class_for(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


@register.filter
def styled(bound_field):
    """Render a bound field with the CSS framework's classes and ARIA links to its help/errors."""
    widget = bound_field.field.widget
    classes = [_css_class_for(widget), widget.attrs.get("class", "")]
    attrs = {"class": " ".join(c for c in classes if c)}
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_help")
    if bound_field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        described.append(f"{bound_field.auto_id}_error")
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return bound_field.as_widget(attrs=attrs)
