"""What the session forms say and render: the agenda is Markdown, sanitised as the programs app
does (formatting survives; scripts, event handlers and javascript: links do not, on the page
and in the invitation email); the rating says it is not anonymous and who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions import selectors, services

pytestmark = pytest.mark.django_db

AGENDA = ("- Try **one** assistant\n\n<script>alert('x')</script>"
          "<img src=x onerror=alert(1)> [link](javascript:alert(2))")


def test_the_agenda_is_rendered_sanitised(world, mentor_client, sent):
    start = selectors.slot_options(pair=world.pair, membership=world.mentee.membership)[0].start
    with sent() as emails:
        session = services.session_schedule(pair=world.pair, actor=world.mentee,
                                            starts_at=start, duration_minutes=45,
                                            agenda=AGENDA, suggested=True)

    page = mentor_client.get(reverse("sessions:session_detail", kwargs={
        "org_slug": world.pair.cohort.organization.slug, "pair_pk": world.pair.pk,
        "session_pk": session.pk})).content.decode()

    assert "<strong>one</strong>" in page
    html_bodies = [alt[0] for email in emails for alt in email.alternatives]
    assert html_bodies
    for rendered in (page, *html_bodies):
        assert "<script>alert" not in rendered
        assert "onerror" not in rendered
        assert "javascript:alert" not in rendered


def test_the_rating_says_it_is_not_anonymous_and_who_sees_it(world, mentor_client):
    session = services.session_log_unscheduled(
        pair=world.pair, actor=world.mentee,
        starts_at=timezone.now() - dt.timedelta(days=1), duration_minutes=45)

    page = mentor_client.get(reverse("sessions:session_log", kwargs={
        "org_slug": world.pair.cohort.organization.slug, "pair_pk": world.pair.pk,
        "session_pk": session.pk})).content.decode()

    assert "Not anonymous: your partner never sees your rating; HR admins may see it with " \
           "your name" in page
