"""Form widgets render through Jinja2 (``FORM_RENDERER``, core/form_renderer.py) with the same
HTML as through Django's template engine: Django's own widgets from its Jinja2 templates, the
admin's widgets (Django templates only) through the Django engine, which under Django's plain
Jinja2 renderer were a 500 on every admin change page with a foreign key or a password.

"The same HTML" is what a browser or a screen reader reads: the same elements, attributes and
text; not the order of attributes or how a quote is escaped (``&#x27;`` or ``&#39;``)."""

from __future__ import annotations

import html.parser
import re

import pytest
from django import forms
from django.contrib import admin
from django.contrib.admin import widgets as admin_widgets
from django.contrib.auth.forms import ReadOnlyPasswordHashWidget
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.backends.jinja2 import Template as Jinja2Template
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Membership, User
from core.form_renderer import FormRenderer
from core.tenancy import organization_scope
from tests.factories.accounts import TEST_PASSWORD, UserFactory

DJANGO_TEMPLATES = "django.forms.renderers.DjangoTemplates"


#: What differs between any two responses: CSRF tokens (masked anew each time) and nonces.
_PER_RESPONSE = re.compile(r"\b[A-Za-z0-9]{64}\b")


class _Canonical(html.parser.HTMLParser):
    """Elements with their attributes sorted and unescaped, and text runs, whitespace
    collapsed."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = sorted((name, "NONCE" if name == "nonce" else value) for name, value in attrs)
        self.events.append(f"<{tag} {attrs}>")

    def handle_endtag(self, tag):
        self.events.append(f"</{tag}>")

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text:
            self.events.append(text)


def canonical(markup: str) -> list[str]:
    parser = _Canonical()
    parser.feed(_PER_RESPONSE.sub("CSRF", markup))
    parser.close()
    return parser.events


def test_the_settings_renderer_reads_django_s_widgets_from_jinja2_templates():
    renderer = get_default_renderer()

    assert isinstance(renderer, FormRenderer)
    for name in (
        "django/forms/widgets/select.html",
        "django/forms/widgets/input.html",
        "django/forms/div.html",
        "django/forms/errors/list/ul.html",
    ):
        assert isinstance(renderer.get_template(name), Jinja2Template), name


class _StoredFile:
    url = "/media/imports/acme & co's.csv"

    def __str__(self) -> str:
        return "acme & co's.csv"


def _admin_widgets() -> dict[str, tuple[forms.Widget, object]]:
    """Every widget of the admin (and auth's password summary) with a value to show."""
    user_rel = Membership._meta.get_field("user").remote_field
    groups_rel = User._meta.get_field("groups").remote_field
    choices = [("", "---------"), ("1", "Ana O'Neil"), ("2", "Bo & Co")]
    return {
        "date": (admin_widgets.AdminDateWidget(), "2026-12-02"),
        "time": (admin_widgets.AdminTimeWidget(), "16:15"),
        "split datetime": (admin_widgets.AdminSplitDateTime(), ["2026-12-02", "16:15"]),
        "radio": (admin_widgets.AdminRadioSelect(choices=choices), "2"),
        "file": (admin_widgets.AdminFileWidget(), _StoredFile()),
        "url": (admin_widgets.AdminURLFieldWidget(), "https://acme.example/?a=1&b='2'"),
        "text": (admin_widgets.AdminTextInputWidget(), 'O\'Neil & "co"'),
        "textarea": (admin_widgets.AdminTextareaWidget(), "line 1\n<b>line 2</b>"),
        "integer": (admin_widgets.AdminIntegerFieldWidget(), 1000),
        "filtered select": (
            admin_widgets.FilteredSelectMultiple("groups", False, choices=choices[1:]),
            ["2"],
        ),
        "raw id": (admin_widgets.ForeignKeyRawIdWidget(user_rel, admin.site), None),
        "many raw ids": (admin_widgets.ManyToManyRawIdWidget(groups_rel, admin.site), ["1"]),
        "related wrapper": (
            admin_widgets.RelatedFieldWidgetWrapper(
                forms.Select(choices=choices),
                user_rel,
                admin.site,
                can_add_related=True,
                can_change_related=True,
                can_delete_related=True,
                can_view_related=True,
            ),
            "1",
        ),
        "password hash": (ReadOnlyPasswordHashWidget(), make_password(TEST_PASSWORD)),
        "no password": (ReadOnlyPasswordHashWidget(), "!unusable"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(_admin_widgets()))
def test_admin_widgets_render_as_under_the_django_template_renderer(name):
    # given an admin widget with a value (the raw-id input names a real account)
    widget, value = _admin_widgets()[name]
    if name == "raw id":
        value = UserFactory(full_name="Ana O'Neil").pk

    # when it renders through the settings' renderer and through Django's template engine
    rendered = widget.render(
        "field", value, attrs={"id": "id_field"}, renderer=get_default_renderer()
    )
    expected = widget.render("field", value, attrs={"id": "id_field"}, renderer=DjangoTemplates())

    # then the same HTML
    assert canonical(rendered) == canonical(expected)
    assert "<" in rendered


@pytest.fixture
def staff_client(db) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(
        UserFactory(email="staff@flipside.example", is_staff=True, is_superuser=True)
    )
    return client


def _admin_pages(organization, member_user) -> dict[str, str]:
    """An add or change page for each kind of admin widget the project's admin shows: the
    password summary, related-object links, raw-id inputs, a filtered multiple select."""
    group = Group.objects.create(name="Support")
    group.permissions.set(Permission.objects.order_by("pk")[:3])
    with organization_scope(organization):
        membership = Membership.objects.get(user=member_user)
    address = member_user.emailaddress_set.first()
    return {
        "user change": reverse("admin:accounts_user_change", args=[member_user.pk]),
        "user add": reverse("admin:accounts_user_add"),
        "group add": reverse("admin:auth_group_add"),
        "group change": reverse("admin:auth_group_change", args=[group.pk]),
        "email address add": reverse("admin:account_emailaddress_add"),
        "email address change": reverse("admin:account_emailaddress_change", args=[address.pk]),
        "membership change": reverse("admin:accounts_membership_change", args=[membership.pk]),
        "organization change": reverse(
            "admin:accounts_organization_change", args=[organization.pk]
        ),
    }


def test_admin_pages_answer_and_read_as_under_the_django_template_renderer(
    staff_client, organization, member_user
):
    pages = _admin_pages(organization, member_user)
    problems = []

    for name, url in pages.items():
        for method, data in (("get", None), ("post", {"email": "not an address"})):
            # when a staff member opens the page (or sends it back invalid) under each renderer
            response = getattr(staff_client, method)(url, data)
            with override_settings(FORM_RENDERER=DJANGO_TEMPLATES):
                expected = getattr(staff_client, method)(url, data)

            # then the same answer (a page of a read-only admin refuses the POST: 403) and the
            # same HTML
            status = response.status_code
            if (
                status != expected.status_code
                or status not in (200, 403)
                or (method == "get" and status != 200)
            ):
                problems.append(
                    f"{method} {name}: {response.status_code}, "
                    f"{expected.status_code} under Django templates"
                )
            elif canonical(response.content.decode()) != canonical(expected.content.decode()):
                problems.append(f"{method} {name}: different HTML")

    assert not problems, problems


@pytest.fixture
def pair_url(organization, org_url_kwargs):
    def build(name: str, **kwargs) -> str:
        with organization_scope(organization):
            pair_pk = org_url_kwargs["pair_pk"]({})
        return reverse(name, kwargs={"org_slug": organization.slug, "pair_pk": pair_pk, **kwargs})

    return build


def test_the_app_s_forms_in_their_error_states_read_as_under_django_templates(
    client, organization, admin_user, member_user, pair_url
):
    """The sign-in, the organization's settings and the session log sent back invalid: text
    inputs, selects, a checkbox, radio buttons, numbers and dates with their errors."""
    nasty = 'Zoë O\'Brien & <b>"x"</b>'
    admin = Client()
    admin.force_login(admin_user)
    member = Client()
    member.force_login(member_user)
    sends = [
        (client, reverse("account_login"), {"login": nasty, "password": nasty}),
        (client, reverse("account_signup"), {"email": "bad", "password1": nasty}),
        (
            admin,
            reverse("org_settings", kwargs={"org_slug": organization.slug}),
            {
                "name": nasty,
                "anonymity_threshold": "-1",
                "require_two_factor": "on",
                "time_zone": "localtime",
            },
        ),
        (
            member,
            pair_url("sessions:session_log_new"),
            {
                "status": "no_show",
                "format": "phone",
                "duration_minutes": "240",
                "actual_minutes": "-1",
                "rating": "5",
                "summary": nasty,
                "starts_at": "bad",
            },
        ),
    ]
    for who, url, data in sends:
        # when the form comes back with errors under each renderer
        response = who.post(url, data)
        with override_settings(FORM_RENDERER=DJANGO_TEMPLATES):
            expected = who.post(url, data)

        # then it shows its errors, with the same HTML
        assert response.status_code == expected.status_code, url
        assert response.status_code in (200, 400), url
        assert canonical(response.content.decode()) == canonical(expected.content.decode()), url
