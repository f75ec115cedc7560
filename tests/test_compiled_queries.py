"""core.compiled: a values_list() queryset compiled once gives what the ORM gives, counts as a
query, and refuses what it must not compile once (a tenant scope, a build with hidden state).
The reads every request makes through it (memberships, unread count) match their ORM
equivalents."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.utils import timezone

from accounts.models import Membership, Organization, Role, User
from accounts.selectors import organization_memberships_of_user, unread_notification_count
from core.compiled import CompiledQuery
from core.models import Notification
from core.tenancy import organization_scope, scopes_disabled
from programs.models import Topic
from tests.factories.accounts import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _notification(recipient, kind="pair_nudge", read=False):
    return Notification.objects.create(
        recipient=recipient, email=recipient.email, kind=kind,
        key=f"{kind}:{recipient.pk}:{Notification.objects.count()}", subject="s", body_text="b",
        read_at=timezone.now() if read else None)


def test_rows_are_the_orm_rows_with_each_call_s_values(django_assert_num_queries):
    people = [UserFactory(email=f"p{n}@example.com", is_active=n != 1) for n in range(3)]
    by_id = CompiledQuery(
        lambda pk: User.objects.filter(pk=pk).values_list("email", "is_active", "date_joined"),
        pk=int)

    for person in people:
        expected = list(User.objects.filter(pk=person.pk)
                        .values_list("email", "is_active", "date_joined"))
        with django_assert_num_queries(1):
            assert by_id(pk=person.pk) == expected
    # converted as the ORM converts: an aware datetime and a bool, on SQLite as on PostgreSQL
    assert isinstance(by_id(pk=people[0].pk)[0][1], bool)
    assert by_id(pk=people[0].pk)[0][2].tzinfo is not None
    assert by_id(pk=-1) == []


def test_string_and_datetime_parameters_and_flat_rows():
    UserFactory(email="early@example.com", full_name="Ada")
    UserFactory(email="other@example.com", full_name="Bob")
    cutoff = timezone.now() + datetime.timedelta(seconds=1)
    late = UserFactory(email="late@example.com", full_name="Ada")
    User.objects.filter(pk=late.pk).update(date_joined=cutoff + datetime.timedelta(days=1))
    joined_before = CompiledQuery(
        lambda name, before: User.objects.filter(full_name=name, date_joined__lt=before)
        .order_by("email").values_list("email", flat=True),
        name=str, before=datetime.datetime)

    assert joined_before(name="Ada", before=cutoff) == ["early@example.com"]
    assert joined_before(name="Ada", before=cutoff + datetime.timedelta(days=2)) \
        == ["early@example.com", "late@example.com"]
    assert joined_before(name="Bob", before=cutoff) == ["other@example.com"]
    assert joined_before(name="Cy", before=cutoff) == []


def test_a_model_with_a_tenant_scope_is_refused_unless_unscoped_on_purpose(organization):
    topics = CompiledQuery(lambda pk: Topic.objects.filter(pk=pk).values_list("name"), pk=int)

    with organization_scope(organization), pytest.raises(ImproperlyConfigured, match="scope"):
        topics(pk=1)


def test_a_build_that_depends_on_anything_but_its_parameters_is_refused():
    calls = itertools.count()
    drifting = CompiledQuery(
        lambda pk: User.objects.filter(pk=pk, id__gt=-next(calls)).values_list("email"),
        pk=int)

    with pytest.raises(ImproperlyConfigured, match="parameters alone"):
        drifting(pk=1)


def test_model_instances_and_parameters_hidden_in_expressions_are_refused():
    with pytest.raises(ImproperlyConfigured, match="values_list"):
        CompiledQuery(lambda pk: User.objects.filter(pk=pk), pk=int)(pk=1)
    with pytest.raises(ImproperlyConfigured, match="exactly as passed"):
        CompiledQuery(lambda pk: User.objects.filter(pk=pk + 1).values_list("email"),
                      pk=int)(pk=1)
    with pytest.raises(ImproperlyConfigured, match="int, str or datetime"):
        CompiledQuery(lambda pks: User.objects.filter(pk__in=pks).values_list("email"),
                      pks=list)


def test_memberships_are_the_select_related_instances_in_the_switcher_order(
        django_assert_num_queries):
    person = UserFactory(email="two.hats@example.com")
    zulu = OrganizationFactory(name="Zulu Works", slug="zulu", require_two_factor=True)
    alpha = OrganizationFactory(name="Alpha Foods", slug="alpha", anonymity_threshold=7)
    MembershipFactory(organization=zulu, user=person, role=Role.ADMIN)
    MembershipFactory(organization=alpha, user=person, role=Role.MEMBER)
    MembershipFactory(organization=alpha)  # someone else's

    with scopes_disabled():
        expected = list(Membership.objects.filter(user=person).select_related("organization")
                        .order_by("organization__name", "organization_id"))
    with django_assert_num_queries(1):
        found = organization_memberships_of_user(user=person)
        organizations = [membership.organization for membership in found]  # no query

    assert [m.pk for m in found] == [m.pk for m in expected]
    for membership, reference in zip(found, expected, strict=True):
        for field in Membership._meta.concrete_fields:
            assert getattr(membership, field.attname) == getattr(reference, field.attname)
        for field in Organization._meta.concrete_fields:
            assert getattr(membership.organization, field.attname) \
                == getattr(reference.organization, field.attname)
        assert membership._state.adding is False
        assert membership._state.db == reference._state.db
    assert [o.slug for o in organizations] == ["alpha", "zulu"]
    assert organizations[1].require_two_factor is True
    assert organizations[0].anonymity_threshold == 7


def test_unread_count_leaves_out_read_messages_sign_in_links_and_other_people():
    person, other = UserFactory(), UserFactory()
    for _ in range(3):
        _notification(person)
    _notification(person, read=True)
    _notification(person, kind="login_link")
    _notification(other)

    expected = (Notification.objects.filter(recipient=person, read_at__isnull=True)
                .exclude(kind="login_link").count())
    assert unread_notification_count(user=person) == expected == 3
    assert unread_notification_count(user=UserFactory()) == 0


def test_grouped_counts_compile_with_their_group():
    person = UserFactory()
    for _ in range(2):
        _notification(person)
    per_kind = CompiledQuery(
        lambda recipient_id: Notification.objects.filter(recipient_id=recipient_id)
        .values("kind").annotate(n=Count("pk")).values_list("kind", "n"),
        recipient_id=int)

    assert per_kind(recipient_id=person.pk) == [("pair_nudge", 2)]
