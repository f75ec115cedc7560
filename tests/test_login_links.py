"""Personal sign-in links: the token (signed, expiring, single use, local target), the landing
page (a GET signs nobody in; a POST does, through allauth and its two-factor step), the
set-password form for people without one, stale links with "email me a fresh link", and the
links in welcome (CSV import), invitation and introduction emails."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from accounts import login_links, selectors, services
from accounts.login_links import (
    LoginLinkExpired,
    LoginLinkInvalid,
    login_link_path,
    login_link_read,
    login_link_token,
)
from accounts.models import LoginLinkUse, Role
from core.models import Notification
from core.tenancy import organization_scope
from tests.factories.accounts import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-long-and-unusual-passphrase-42"
TARGET = "/o/acme/programs/participants/7/profile/"
LINK = re.compile(r"https?://[^/\s\"]+(/l/[^/\s\"]+/)")


@pytest.fixture
def ana(organization):
    return MembershipFactory(organization=organization, role=Role.MEMBER,
                             user=UserFactory(email="ana@acme.example", full_name="Ana López")).user


@pytest.fixture
def imported(organization):
    """A person created by an import: no usable password yet."""
    user = UserFactory(email="ben@acme.example", full_name="Ben Ito")
    user.set_unusable_password()
    user.save()
    MembershipFactory(organization=organization, user=user)
    return user


def _path(user, purpose="welcome", target=TARGET) -> str:
    return login_link_path(user=user, purpose=purpose, target=target)


def _token(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1]


def _signed_in(client):
    return client.session.get("_auth_user_id")


# --- the token ------------------------------------------------------------------------------

def test_a_token_names_the_person_the_purpose_and_the_page(ana):
    claim = login_link_read(login_link_token(user=ana, purpose="welcome", target=TARGET))

    assert (claim.user_id, claim.purpose, claim.target) == (ana.pk, "welcome", TARGET)
    assert claim.matches_state_of(ana)


def test_two_links_for_the_same_page_are_different_links(ana):
    first = login_link_read(login_link_token(user=ana, purpose="welcome", target=TARGET))
    second = login_link_read(login_link_token(user=ana, purpose="welcome", target=TARGET))

    assert first.nonce != second.nonce


@pytest.mark.parametrize("tamper", [
    lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # signature
    lambda t: ("X" if t[0] != "X" else "Y") + t[1:],  # payload
    lambda t: t[: len(t) // 2],  # truncated
    lambda t: "",
    lambda t: "not-a-token",
    lambda t: t.replace(":", "", 1),
], ids=["signature", "payload", "truncated", "empty", "garbage", "separator"])
def test_a_tampered_token_is_refused(ana, tamper):
    token = login_link_token(user=ana, purpose="welcome", target=TARGET)

    with pytest.raises(LoginLinkInvalid):
        login_link_read(tamper(token))


def test_a_payload_edited_to_another_person_is_refused(ana, imported):
    token = login_link_token(user=ana, purpose="welcome", target=TARGET)
    payload, rest = token.split(":", 1)
    forged = signing.b64_encode(
        signing.b64_decode(payload.encode()).replace(str(ana.pk).encode(),
                                                     str(imported.pk).encode())).decode()

    with pytest.raises(LoginLinkInvalid):
        login_link_read(f"{forged}:{rest}")


def test_values_signed_for_something_else_are_not_login_links(ana):
    payload = [ana.pk, "welcome", TARGET, "nonce123", login_links.account_state(ana)]
    other_salt = signing.TimestampSigner(salt="django.contrib.sessions").sign_object(payload)
    default_salt = signing.dumps(payload)

    for value in (other_salt, default_salt):
        with pytest.raises(LoginLinkInvalid):
            login_link_read(value)


def test_a_purpose_without_a_lifetime_is_refused_when_made_and_when_read(ana):
    with pytest.raises(ValueError, match="no login-link lifetime"):
        login_link_token(user=ana, purpose="admin", target=TARGET)
    forged = login_links._signer().sign_object(
        [ana.pk, "admin", TARGET, "nonce123", login_links.account_state(ana)])

    with pytest.raises(LoginLinkInvalid):
        login_link_read(forged)


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/path", "/\\evil.example", "\\\\evil.example",
    "javascript:alert(1)", "evil.example/o/acme/", "", "/ok\nSet-Cookie: x",
])
def test_only_local_paths_can_be_targets(ana, target):
    with pytest.raises(ValueError, match="not a local path"):
        login_link_token(user=ana, purpose="welcome", target=target)
    forged = login_links._signer().sign_object(
        [ana.pk, "welcome", target, "nonce123", login_links.account_state(ana)])

    with pytest.raises(LoginLinkInvalid):
        login_link_read(forged)


@pytest.mark.parametrize(("purpose", "days"), [("welcome", 14), ("invitation", 14),
                                               ("pair_introduction", 7)])
def test_a_link_expires_after_its_purposes_lifetime(ana, purpose, days):
    assert settings.FLIPSIDE_LOGIN_LINK_HOURS[purpose] == days * 24
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        token = login_link_token(user=ana, purpose=purpose, target=TARGET)
        traveller.shift(timedelta(days=days) - timedelta(minutes=1))
        assert login_link_read(token).purpose == purpose

        traveller.shift(timedelta(minutes=2))
        with pytest.raises(LoginLinkExpired) as expired:
            login_link_read(token)

    assert (expired.value.claim.user_id, expired.value.claim.target) == (ana.pk, TARGET)


def test_a_password_or_address_change_retires_earlier_links(ana):
    before_password = _token(_path(ana))
    ana.set_password(NEW_PASSWORD)
    ana.save()
    before_address = _token(_path(ana))
    ana.email = "ana.lopez@acme.example"
    ana.save()

    assert selectors.login_link_check(token=before_password).status == "superseded"
    assert selectors.login_link_check(token=before_address).status == "superseded"
    assert selectors.login_link_check(token=_token(_path(ana))).status == "valid"


def test_a_link_is_redeemed_once(ana):
    check = selectors.login_link_check(token=_token(_path(ana)))
    services.login_link_consume(claim=check.claim, user=ana)

    with pytest.raises(services.LoginLinkUsed):
        services.login_link_consume(claim=check.claim, user=ana)
    assert LoginLinkUse.objects.filter(user=ana).count() == 1


def test_links_of_deactivated_accounts_are_invalid(ana):
    token = _token(_path(ana))
    ana.is_active = False
    ana.save()

    assert selectors.login_link_check(token=token).status == "invalid"


def test_old_redeemed_nonces_are_pruned_only_after_every_link_could_have_expired(ana):
    LoginLinkUse.objects.create(nonce="old", user=ana, purpose="welcome",
                                used_at=timezone.now() - timedelta(days=15))
    LoginLinkUse.objects.create(nonce="recent", user=ana, purpose="welcome",
                                used_at=timezone.now() - timedelta(days=13))

    assert services.login_link_uses_prune() == 1
    assert list(LoginLinkUse.objects.values_list("nonce", flat=True)) == ["recent"]


# --- the landing page -----------------------------------------------------------------------

def test_opening_the_link_shows_one_button_and_signs_nobody_in(client, ana):
    path = _path(ana)

    page = client.get(path)

    assert page.status_code == 200
    assert "Continue as Ana" in page.content.decode()
    assert 'method="post"' in page.content.decode()
    assert _signed_in(client) is None
    assert not LoginLinkUse.objects.exists()
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]


def test_pressing_continue_signs_in_and_lands_on_the_page_of_the_email(client, ana):
    path = _path(ana)

    response = client.post(path)

    assert response.status_code == 302
    assert response.url == TARGET
    assert _signed_in(client) == str(ana.pk)
    assert LoginLinkUse.objects.filter(user=ana, purpose="welcome").count() == 1


def test_a_used_link_says_so_and_offers_a_fresh_one_and_the_password_sign_in(client, ana):
    path = _path(ana)
    client.post(path)
    client.logout()

    again = client.post(path)

    assert again.status_code == 410
    body = again.content.decode()
    assert "This link has already been used" in body
    assert reverse("login_link_fresh", kwargs={"token": _token(path)}) in body
    assert f'{reverse("account_login")}?next=%2Fo%2Facme%2Fprograms%2Fparticipants%2F7' in body
    assert _signed_in(client) is None


def test_the_links_own_person_already_signed_in_goes_straight_to_the_page(client, ana):
    path = _path(ana)
    client.post(path)

    assert client.get(path).url == TARGET  # even though the link is used now


def test_someone_else_signed_in_is_warned_and_switched_on_continue(client, ana, admin_user):
    client.force_login(admin_user)
    path = _path(ana)

    page = client.get(path)
    assert "You are signed in as hr@acme.example" in page.content.decode()
    client.post(path)

    assert _signed_in(client) == str(ana.pk)


def test_a_person_without_password_chooses_one_in_one_form_and_is_signed_in(client, imported):
    path = _path(imported)

    page = client.get(path)
    body = page.content.decode()
    assert "Choose a password" in body
    assert "Type it again" in body
    assert 'autocomplete="new-password"' in body
    response = client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert response.status_code == 302
    assert response.url == TARGET
    assert _signed_in(client) == str(imported.pk)
    imported.refresh_from_db()
    assert imported.check_password(NEW_PASSWORD)
    # the next sign-in works with the password
    client.logout()
    assert client.post(reverse("account_login"), {
        "login": "ben@acme.example", "password": NEW_PASSWORD}).status_code == 302


@pytest.mark.parametrize(("first", "second", "message"), [
    (NEW_PASSWORD, NEW_PASSWORD + "x", "The two password fields didn’t match."),
    ("12345678", "12345678", "This password is too common."),
    ("short", "short", "This password is too short."),
])
def test_a_bad_password_is_explained_and_changes_nothing(client, imported, first, second,
                                                          message, db_snapshot):
    path = _path(imported)
    before = db_snapshot()

    response = client.post(path, {"new_password1": first, "new_password2": second})

    assert response.status_code == 400
    assert message in response.content.decode()
    assert _signed_in(client) is None
    assert db_snapshot() == before  # link not used up, no password set


def test_a_person_with_two_factor_goes_through_the_code_step(client, ana):
    from allauth.mfa.totp.internal.auth import TOTP

    secret = "JBSWY3DPEHPK3PXP"
    TOTP.activate(ana, secret)
    assert Authenticator.objects.filter(user=ana, type=Authenticator.Type.TOTP).exists()
    path = _path(ana)

    response = client.post(path)

    assert response.url == reverse("mfa_authenticate")
    assert _signed_in(client) is None
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    done = client.post(reverse("mfa_authenticate"), {"code": code})
    assert done.status_code == 302
    assert done.url == TARGET
    assert _signed_in(client) == str(ana.pk)


def test_an_invalid_link_offers_the_email_form(client):
    response = client.get(reverse("login_link", kwargs={"token": "nonsense"}))

    assert response.status_code == 404
    body = response.content.decode()
    assert "This sign-in link is not valid" in body
    assert "Your work email address" in body


def test_an_expired_link_explains_and_a_fresh_one_arrives_and_works(
        client, ana, mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() - timedelta(days=15), tick=False):
        path = _path(ana)

    page = client.get(path)
    assert page.status_code == 410
    assert "This link has expired" in page.content.decode()
    assert "work for 14 days" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("login_link_fresh", kwargs={"token": _token(path)}))

    assert sent.status_code == 200
    assert "Check your email" in sent.content.decode()
    assert [m.to for m in mailoutbox] == [["ana@acme.example"]]
    fresh = LINK.search(mailoutbox[0].body).group(1)
    assert f'href="{settings.FLIPSIDE_SITE_URL}{fresh}"' in mailoutbox[0].alternatives[0][0]
    claim = login_link_read(_token(fresh))
    assert (claim.purpose, claim.target) == ("login_link", TARGET)
    assert client.post(fresh).url == TARGET
    assert _signed_in(client) == str(ana.pk)
    # a requested link is an email only, not an entry of the in-app inbox
    assert Notification.objects.filter(kind="login_link").count() == 1
    assert not selectors.notifications_of_user(user=ana).exists()


def test_a_fresh_link_for_an_invalid_token_answers_the_same_and_sends_nothing(
        client, ana, mailoutbox, django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() - timedelta(days=15), tick=False):
        real = _token(_path(ana))
    with django_capture_on_commit_callbacks(execute=True):
        for_real = client.post(reverse("login_link_fresh", kwargs={"token": real}))
        for_nothing = client.post(reverse("login_link_fresh", kwargs={"token": "nonsense"}))

    assert for_real.status_code == for_nothing.status_code == 200
    assert _without_csrf(for_real) == _without_csrf(for_nothing)
    assert [m.to for m in mailoutbox] == [["ana@acme.example"]]


def _without_csrf(response) -> str:
    return re.sub(r'(value|X-CSRFToken": )"[^"]+"', "", response.content.decode())


def test_asking_by_email_answers_the_same_for_unknown_addresses(
        client, ana, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("login_link_request"),
                            {"email": "ANA@acme.example", "next": "/me/notifications/"})
        unknown = client.post(reverse("login_link_request"),
                              {"email": "nobody@acme.example", "next": "/me/notifications/"})

    assert known.status_code == unknown.status_code == 200
    assert _without_csrf(known) == _without_csrf(unknown)
    assert "If there is a Flipside account for that address" in known.content.decode()
    assert [m.to for m in mailoutbox] == [["ana@acme.example"]]
    claim = login_link_read(_token(LINK.search(mailoutbox[0].body).group(1)))
    assert claim.target == "/me/notifications/"
    assert "works once, for 2 hours" in mailoutbox[0].body


def test_asking_by_email_never_sends_to_another_site(client, ana, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("login_link_request"),
                    {"email": "ana@acme.example", "next": "https://evil.example/"})

    claim = login_link_read(_token(LINK.search(mailoutbox[0].body).group(1)))
    assert claim.target == "/"


def test_a_malformed_address_is_a_form_error(client, db_snapshot):
    before = db_snapshot()

    response = client.post(reverse("login_link_request"), {"email": "not an address"})

    assert response.status_code == 400
    assert "Enter a valid email address." in response.content.decode()
    assert db_snapshot() == before


def test_asking_for_links_is_rate_limited_per_address(client, ana, mailoutbox,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(reverse("login_link_request"), {"email": "ana@acme.example"})
                   for _ in range(4)]
        other = client.post(reverse("login_link_request"), {"email": "nobody@acme.example"})

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "Please wait a few minutes" in answers[3].content.decode()
    assert other.status_code == 200
    assert len(mailoutbox) == 3


def test_fresh_links_are_rate_limited_per_account(client, ana, mailoutbox,
                                                  django_capture_on_commit_callbacks):
    with time_machine.travel(timezone.now() - timedelta(days=15), tick=False):
        tokens = [_token(_path(ana)) for _ in range(4)]
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(reverse("login_link_fresh", kwargs={"token": token}))
                   for token in tokens]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert len(mailoutbox) == 3


def test_the_sign_in_page_offers_a_link_by_email(client, db):
    page = client.get(f"{reverse('account_login')}?next=/o/acme/")

    assert f'href="{reverse("login_link_request")}?next=/o/acme/"' in page.content.decode()
    form = client.get(f"{reverse('login_link_request')}?next=/o/acme/")
    assert 'name="next" value="/o/acme/"' in form.content.decode()


# --- the links in emails ----------------------------------------------------------------------

def _links_in(message) -> list[str]:
    text_links = LINK.findall(message.body)
    html_links = LINK.findall(message.alternatives[0][0])
    assert text_links == html_links, (message.body, message.alternatives[0][0])
    return text_links


def test_the_welcome_email_of_a_csv_import_signs_the_person_in_on_their_profile(
        client, organization, scoped_organization, mailoutbox, django_capture_on_commit_callbacks):
    """Members the import enrolls (here two whose accounts have no password yet, as the
    organization set them up) get a welcome whose link signs them in; people who are not
    members are invited instead (tests/programs/test_invited_alike.py)."""
    from programs.imports.services import participants_import_csv
    from programs.models import Participant
    from programs.services import organization_defaults_ensure
    from tests.factories.programs import CohortFactory, ProgramFactory

    organization_defaults_ensure(organization=organization)
    cohort = CohortFactory(program=ProgramFactory(organization=organization),
                           organization=organization)
    for email in ("new.one@acme.example", "new.two@acme.example"):
        user = UserFactory(email=email, full_name="")
        user.set_unusable_password()
        user.save()
        MembershipFactory(organization=organization, user=user)
    csv = (b"email,name,role\nnew.one@acme.example,New One,mentor\n"
           b"new.two@acme.example,New Two,mentee\n")
    with django_capture_on_commit_callbacks(execute=True):
        report = participants_import_csv(cohort=cohort, file=csv, actor=None, dry_run=False)
    assert report.imported, report.errors

    assert sorted(m.to[0] for m in mailoutbox) == ["new.one@acme.example", "new.two@acme.example"]
    message = next(m for m in mailoutbox if m.to == ["new.one@acme.example"])
    links = _links_in(message)
    assert len(links) == 1
    participant = Participant.objects.select_related("membership__user").get(
        membership__user__email="new.one@acme.example")
    profile = reverse("programs:participant_profile", kwargs={
        "org_slug": "acme", "participant_pk": participant.pk})
    claim = login_link_read(_token(links[0]))
    assert (claim.user_id, claim.purpose, claim.target) == (
        participant.membership.user_id, "welcome", profile)
    assert "It works once, for 14 days" in message.body
    # the outbox keeps no live token: only the placeholder and the page
    stored = Notification.objects.get(email="new.one@acme.example")
    assert "/l/" not in stored.body_text + stored.body_html
    assert stored.link == profile
    # the two people got different links
    other = next(m for m in mailoutbox if m.to == ["new.two@acme.example"])
    assert _links_in(other) != links

    response = client.post(links[0], {"new_password1": NEW_PASSWORD,
                                      "new_password2": NEW_PASSWORD})
    assert response.url == profile
    assert client.get(profile).status_code == 200


def test_an_invitation_to_an_existing_account_signs_them_in_on_the_invitation(
        organization, other_admin_user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), organization_scope(organization):
        invitation = services.invitation_create(
            organization=organization, email="hr@globex.example", role=Role.MEMBER,
            invited_by=None)

    (message,) = mailoutbox
    (link,) = _links_in(message)
    claim = login_link_read(_token(link))
    assert (claim.user_id, claim.purpose, claim.target) == (
        other_admin_user.pk, "invitation", services.invitation_accept_url(invitation))


def test_an_invitation_to_a_new_person_carries_the_invitation_link_itself(
        organization, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), organization_scope(organization):
        invitation = services.invitation_create(
            organization=organization, email="brand.new@acme.example", role=Role.MEMBER,
            invited_by=None)

    (message,) = mailoutbox
    assert LINK.findall(message.body) == []
    accept = f"{settings.FLIPSIDE_SITE_URL}{services.invitation_accept_url(invitation)}"
    assert accept in message.body
    assert "This link is personal" not in message.body


def test_the_introduction_on_publish_signs_each_person_in_on_my_pairs(
        client, organization, scoped_organization, mailoutbox, django_capture_on_commit_callbacks):
    from matching.models import Pair
    from matching.services.publishing import _introduce
    from tests.factories.matching import PairFactory
    from tests.factories.programs import CohortFactory, ProgramFactory

    cohort = CohortFactory(program=ProgramFactory(organization=organization,
                                                  guidelines="Meet **often**."),
                           organization=organization, status="active")
    pair = PairFactory(cohort=cohort)
    pair = Pair.objects.select_related(
        "cohort__program", "cohort__organization", "mentor__membership__user",
        "mentee__membership__user", "mentor__profile", "mentee__profile").get(pk=pair.pk)
    with django_capture_on_commit_callbacks(execute=True):
        assert _introduce([pair]) == 2

    my_pairs = reverse("matching:my_pairs", kwargs={"org_slug": "acme"})
    people = {pair.mentor.membership.user_id, pair.mentee.membership.user_id}
    claims = [login_link_read(_token(link)) for m in mailoutbox for link in _links_in(m)]
    assert {c.user_id for c in claims} == people
    assert {(c.purpose, c.target) for c in claims} == {("pair_introduction", my_pairs)}
    assert "It works once, for 7 days" in mailoutbox[0].body
    assert "Meet often." in mailoutbox[0].body
    assert "<strong>often</strong>" in mailoutbox[0].alternatives[0][0]

    link = _links_in(mailoutbox[0])[0]
    response = client.post(link)
    assert response.url == my_pairs
    assert client.get(my_pairs).status_code == 200


def test_a_deactivated_recipient_gets_the_plain_link(organization, ana, mailoutbox,
                                                     django_capture_on_commit_callbacks):
    from core.notifications import notification_enqueue

    with django_capture_on_commit_callbacks(execute=True):
        notification = notification_enqueue(
            organization=organization, recipient=ana, email=ana.email, kind="welcome",
            key="welcome:test", template="accounts/email/login_link",
            context={"name": "Ana"}, link=TARGET)
        ana.is_active = False
        ana.save()

    assert notification.status == Notification.Status.PENDING
    assert LINK.findall(mailoutbox[0].body) == []
    assert f"{settings.FLIPSIDE_SITE_URL}{TARGET}" in mailoutbox[0].body


def test_the_sign_in_link_path_is_not_under_an_organization(ana):
    assert urlsplit(_path(ana)).path.startswith("/l/")
