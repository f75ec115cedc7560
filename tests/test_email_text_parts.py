"""Plain-text email parts read as typed: no HTML entities (``don&#x27;t``, ``&amp;``) and no raw
Markdown (``**bold**``), while the HTML part stays escaped and formatted. Subjects are plain
text too. Checked for one message, for the bulk path, and for the Markdown-to-text filter."""

from __future__ import annotations

import pytest

from core.notifications import (
    NotificationDraft,
    _BulkRenderer,
    _render,
    notification_enqueue,
    notifications_enqueue_bulk,
)
from core.tenancy import organization_scope
from programs.markdown import render_markdown_text
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

GUIDELINES = ("**Meet** every two weeks & don't cancel twice.\n\n"
              "- Bring *one* question\n- Read the [charter](https://intranet.example/charter)")
CONTEXT = {
    "site_url": "https://flipside.example", "organization": "Ben & Jerry's",
    "program_name": "Don't <panic> & learn", "purpose": "We learn from each other & it's fun.",
    "guidelines": GUIDELINES, "confidentiality_statement": "What's said stays **here**.",
    "cohort_name": "Pilot \"A\"", "start_date": None, "end_date": None, "cadence_days": 14,
    "role": "Mentor", "is_mentor": True, "name": "Zoë O'Brien & Co", "link": "/p/1/?a=1&b=2",
    "action_url": "https://flipside.example/p/1/?a=1&b=2", "sign_in_link_lifetime": "",
}


def _assert_plain(text: str) -> None:
    for entity in ("&amp;", "&#x27;", "&#39;", "&quot;", "&lt;", "&gt;"):
        assert entity not in text, (entity, text)
    assert "**" not in text
    assert "*one*" not in text


def test_the_welcome_text_part_reads_as_typed_and_the_html_part_stays_escaped():
    subject, text, html = _render("programs/email/welcome", CONTEXT)

    assert subject == "Welcome to Don't <panic> & learn · Pilot \"A\""
    _assert_plain(text)
    assert "Hello Zoë O'Brien & Co," in text
    assert "Welcome to Don't <panic> & learn at Ben & Jerry's!" in text
    assert "We learn from each other & it's fun." in text
    assert "Meet every two weeks & don't cancel twice." in text
    assert "- Bring one question\n- Read the charter (https://intranet.example/charter)" in text
    assert "What's said stays here." in text
    assert "https://flipside.example/p/1/?a=1&b=2" in text
    # the HTML part: escaped user text, Markdown as markup
    assert "Hello Zoë O&#x27;Brien &amp; Co," in html
    assert "Don&#x27;t &lt;panic&gt; &amp; learn" in html
    assert "<strong>Meet</strong> every two weeks &amp; don't cancel twice." in html
    assert 'href="https://flipside.example/p/1/?a=1&amp;b=2"' in html
    assert "<panic>" not in html


@pytest.mark.parametrize("template", ["matching/email/introduction", "accounts/email/invitation",
                                      "programs/email/profile_reminder",
                                      "programs/email/application_decision",
                                      "accounts/email/login_link"])
def test_every_text_part_is_unescaped(template):
    context = {**CONTEXT, "partner": "Sam O'Neil & Partners", "partner_title": "R&D lead",
               "partner_department": "", "partner_role": "Mentee", "program": "Don't & do",
               "explanation": ["You both like R&D"], "prompts": ["What's next?"],
               "inviter": "Harriet O'Hara", "role": "Member", "expires_at": None,
               "cohort_name": "Pilot & co", "participant_role": "mentor", "percent": 40,
               "missing": ["Topics you'd like to learn"], "approved": True, "reason": "It's ok",
               "decided_by": "HR & people"}

    subject, text, html = _render(template, context)

    _assert_plain(subject)
    _assert_plain(text)
    assert "'" in text
    assert "&" in text
    assert "&amp;" in html or "&#x27;" in html


def test_the_bulk_renderer_gives_the_same_plain_text_for_every_recipient():
    renderer = _BulkRenderer("programs/email/welcome",
                             personal_keys=("name", "link", "action_url"))
    people = [("First Person", "/p/1/"), ("Zoë O'Brien & <Co>", "/p/2/?a=1&b=2"),
              ("Tom's", "/p/3/")]

    for name, link in people:
        context = {**CONTEXT, "name": name, "link": link,
                   "action_url": f"https://flipside.example{link}"}
        rendered = renderer.render(context)
        assert rendered == _render("programs/email/welcome", context)
        _, text, _ = rendered
        assert f"Hello {name}," in text
        assert f"https://flipside.example{link}" in text
        _assert_plain(text.replace("<Co>", ""))
    assert "Hello Zoë O&#x27;Brien &amp; &lt;Co&gt;," in renderer.render(
        {**CONTEXT, "name": "Zoë O'Brien & <Co>"})[2]


def test_sent_emails_carry_plain_text(organization, mailoutbox,
                                      django_capture_on_commit_callbacks):
    ana = UserFactory(email="ana@acme.example", full_name="Ana O'Neil & Co")
    context = {key: value for key, value in CONTEXT.items()
               if key not in ("link", "action_url", "sign_in_link_lifetime", "site_url")}
    with django_capture_on_commit_callbacks(execute=True), organization_scope(organization):
        notification_enqueue(organization=organization, recipient=ana, email=ana.email,
                             kind="welcome", key="welcome:one", template="programs/email/welcome",
                             context={**context, "name": ana.display_name}, link="/p/1/")
        notifications_enqueue_bulk(organization=organization, kind="welcome",
                                   template="programs/email/welcome", drafts=[
            NotificationDraft(recipient=ana, email=ana.email, key=f"welcome:bulk:{n}",
                              context={**context, "name": ana.display_name}, link="/p/1/")
            for n in range(3)])

    assert len(mailoutbox) == 4
    for message in mailoutbox:
        _assert_plain(message.subject)
        _assert_plain(message.body)
        assert "Hello Ana O'Neil & Co," in message.body
        assert "Meet every two weeks & don't cancel twice." in message.body
        assert "Hello Ana O&#x27;Neil &amp; Co," in message.alternatives[0][0]


@pytest.mark.parametrize(("markdown", "text"), [
    ("**bold** and *em* and `code`", "bold and em and code"),
    ("Tom & Jerry don't <mind>", "Tom & Jerry don't"),
    ("# Title\n\nBody text", "Title\n\nBody text"),
    ("1. first\n2. second", "1. first\n2. second"),
    ("- a\n    - nested", "- a\n  - nested"),
    ("[site](https://x.example) and <https://y.example>",
     "site (https://x.example) and https://y.example"),
    ("line one  \nline two", "line one\nline two"),
    ("<script>alert(1)</script>Safe", "Safe"),
    ("", ""),
])
def test_markdown_becomes_readable_plain_text(markdown, text):
    assert render_markdown_text(markdown) == text
