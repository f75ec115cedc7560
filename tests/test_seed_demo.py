"""``manage.py seed_demo`` is safe to run again, and its demo logins work."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.urls import reverse

from accounts.demo import DEMO_PASSWORD
from accounts.models import Membership, Organization, Role
from core.tenancy import organization_scope

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def _counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()
            if model._meta.label != "sessions.Session"}


def test_seed_demo_twice_gives_the_same_data():
    first_output = _seed()
    first = _counts()

    second_output = _seed()

    assert _counts() == first
    assert second_output == first_output
    assert set(Organization.objects.values_list("slug", flat=True)) == {"acme", "globex"}
    for organization in Organization.objects.all():
        with organization_scope(organization):
            roles = set(Membership.objects.values_list("role", flat=True))
        assert roles == {Role.ADMIN, Role.EXECUTIVE, Role.MEMBER}, organization


def test_every_printed_demo_login_works(client):
    seeded = _seed()
    logins = re.findall(r"^\s+(\S+@\S+)\s+(.+)$", seeded, re.MULTILINE)
    assert f"password for every demo login: {DEMO_PASSWORD}" in seeded
    assert len(logins) >= 6

    for email, description in logins:
        assert client.login(email=email, password=DEMO_PASSWORD), email
        landing = client.get(reverse("home"), follow=True)
        assert landing.status_code == 200, email
        assert landing.context["organization"].name in description, email
        client.logout()

    # and through the sign-in form, as a person would
    response = client.post(reverse("account_login"),
                           {"login": "hr@acme.example", "password": DEMO_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("org_home", kwargs={"org_slug": "acme"})
