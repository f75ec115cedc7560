"""A session's agenda is Markdown, sanitised as the programs app does: formatting survives,
scripts, event handlers and javascript: links do not (session page and invitation email)."""

from __future__ import annotations

import pytest
from django.urls import reverse

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
