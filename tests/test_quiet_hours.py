"""Quiet hours on the notification settings page: shown, saved, cleared, refused half-given."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def channels(client) -> dict:
    page = client.get(reverse("notification_preferences"))
    return dict.fromkeys(page.context["form"].fields, "email")


def test_quiet_hours_default_and_saved(client, member_user):
    client.force_login(member_user)
    page = client.get(reverse("notification_preferences"))
    assert page.context["quiet_form"].initial == {"quiet_hours_start": dt.time(20),
                                                  "quiet_hours_end": dt.time(8)}

    response = client.post(reverse("notification_preferences"),
                           {**channels(client), "quiet_hours_start": "22:30",
                            "quiet_hours_end": "07:00"})

    assert response.status_code == 302
    member_user.refresh_from_db()
    assert (member_user.quiet_hours_start, member_user.quiet_hours_end) == (dt.time(22, 30),
                                                                            dt.time(7))


def test_quiet_hours_cleared_with_both_empty_refused_with_one(client, member_user):
    client.force_login(member_user)
    refused = client.post(reverse("notification_preferences"),
                          {**channels(client), "quiet_hours_start": "21:00"})
    assert refused.status_code == 400
    assert refused.context["quiet_form"].errors == {
        "quiet_hours_end": ["Give both ends of your quiet hours, or leave both empty."]}
    member_user.refresh_from_db()
    assert member_user.quiet_hours_start == dt.time(20)  # unchanged

    assert client.post(reverse("notification_preferences"), channels(client)).status_code == 302
    member_user.refresh_from_db()
    assert (member_user.quiet_hours_start, member_user.quiet_hours_end) == (None, None)
