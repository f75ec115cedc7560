"""core.compiled: a values_list() queryset compiled once gives what the ORM gives (the open
tenant scope's rows, a ScopeError without one), counts as a query, and refuses what it must
not compile once (a build with hidden state, a parameter inside an expression).
The reads every request makes through it (memberships, unread count) match their ORM
equivalents."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count
from django.utils import timezone
from django_scopes import ScopeError

from accounts.models import Membership, Organization, Role, User
from accounts.selectors import organization_memberships_of_user, unread_notification_count
from core.compiled import CompiledInstances, CompiledQuery
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


def _topics(organization, *names):
    with organization_scope(organization):
        return [Topic.objects.create(organization=organization, name=name,
                                     slug=name.lower().replace(" ", "-")) for name in names]


def test_a_scoped_model_reads_the_open_scope_s_rows_and_raises_without_a_scope(
        organization, other_organization, django_assert_num_queries):
    ours = _topics(organization, "AI tools", "TikTok")
    theirs = _topics(other_organization, "AI tools", "Budgets")
    named = CompiledQuery(lambda name: Topic.objects.filter(name=name).order_by("pk")
                          .values_list("pk", flat=True), name=str)
    # a subquery through another scoped manager is filtered by the scope too
    same_name_as = CompiledQuery(
        lambda pk: Topic.objects.filter(name__in=Topic.objects.filter(pk=pk).values("name"))
        .values_list("pk", flat=True), pk=int)

    with organization_scope(organization), django_assert_num_queries(3):
        assert named(name="AI tools") == [ours[0].pk]
        assert same_name_as(pk=ours[0].pk) == [ours[0].pk]
        assert same_name_as(pk=theirs[0].pk) == []
    with organization_scope(other_organization):
        assert named(name="AI tools") == [theirs[0].pk]
        assert named(name="TikTok") == []
        assert same_name_as(pk=theirs[0].pk) == [theirs[0].pk]
        assert same_name_as(pk=ours[1].pk) == []
    with pytest.raises(ScopeError):
        named(name="AI tools")
    # no organization matches nothing; scopes disabled sees every tenant, as the ORM does
    with organization_scope(None):
        assert named(name="AI tools") == []
    with scopes_disabled():
        assert named(name="AI tools") == [ours[0].pk, theirs[0].pk]


def test_unscoped_on_purpose_reads_every_tenant_s_rows_its_filter_names(
        organization, other_organization):
    ours = _topics(organization, "AI tools")
    theirs = _topics(other_organization, "AI tools")
    named = CompiledQuery(lambda name: Topic.objects.filter(name=name).order_by("pk")
                          .values_list("pk", flat=True), unscoped=True, name=str)

    assert named(name="AI tools") == [ours[0].pk, theirs[0].pk]


def test_list_parameters_compile_once_per_length():
    people = [UserFactory() for _ in range(4)]
    emails = CompiledQuery(lambda pks: User.objects.filter(pk__in=pks).order_by("pk")
                           .values_list("email", flat=True), pks=list)

    assert emails(pks=[people[0].pk]) == [people[0].email]
    assert emails(pks=[people[3].pk, people[1].pk]) == [people[1].email, people[3].email]
    assert emails(pks=[people[2].pk, -5]) == [people[2].email]
    assert emails(pks=[]) == []


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
    with pytest.raises(ImproperlyConfigured, match="as passed"):
        CompiledQuery(lambda pk: User.objects.filter(pk=pk + 1).values_list("email"),
                      pk=int)(pk=1)
    with pytest.raises(ImproperlyConfigured, match="as passed"):
        CompiledQuery(lambda name: User.objects.filter(email__endswith=name)
                      .values_list("email"), name=str)(name="@example.com")
    with pytest.raises(ImproperlyConfigured, match="int, str, datetime, date or list"):
        CompiledQuery(lambda pks: User.objects.filter(pk__in=pks).values_list("email"),
                      pks=set)


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


def test_instances_are_those_of_select_related_only_with_the_rest_deferred(
        scoped_organization, django_assert_num_queries):
    from matching.models import Pair
    from tests.sessions.conftest import make_pair

    worlds = [make_pair(scoped_organization) for _ in range(2)]
    pairs = CompiledInstances(
        lambda pks: Pair.objects.filter(pk__in=pks).order_by("pk"),
        fields=("status", "mentor", "cohort"),
        related={"mentor": ("membership", "role"), "mentor__membership": ("user",),
                 "mentor__membership__user": ("full_name", "email"), "cohort": ("name",)},
        pks=list)
    expected = list(Pair.objects.filter(pk__in=[w.pair.pk for w in worlds]).order_by("pk")
                    .select_related("mentor__membership__user", "cohort")
                    .only("status", "mentor__membership__user__full_name",
                          "mentor__membership__user__email", "mentor__role",
                          "cohort__name"))

    with django_assert_num_queries(1):
        found = pairs(pks=[w.pair.pk for w in worlds])
        seen = [(p.pk, p.status, p.mentor_id, p.cohort_id, p.cohort.name, p.mentor.role,
                 p.mentor.membership.user.full_name, p.mentor.membership.user.email)
                for p in found]
    assert seen == [(p.pk, p.status, p.mentor_id, p.cohort_id, p.cohort.name, p.mentor.role,
                     p.mentor.membership.user.full_name, p.mentor.membership.user.email)
                    for p in expected]
    assert found[0].get_deferred_fields() == expected[0].get_deferred_fields()
    # a field not loaded is deferred: read it and it is loaded, as with only()
    with django_assert_num_queries(1):
        assert found[0].score == worlds[0].pair.score


def test_instances_follow_a_null_foreign_key_to_none(scoped_organization):
    from programs.models import Topic

    parent = Topic.objects.create(organization=scoped_organization, name="AI", slug="ai")
    child = Topic.objects.create(organization=scoped_organization, name="LLMs", slug="llms",
                                 merged_into=parent)
    topics = CompiledInstances(
        lambda name: Topic.objects.exclude(name=name).order_by("name"),
        fields=("name", "merged_into"), related={"merged_into": ("name",)}, name=str)

    found = topics(name="nothing")

    assert [(t.pk, t.name) for t in found] == [(parent.pk, "AI"), (child.pk, "LLMs")]
    assert found[0].merged_into is None
    assert found[1].merged_into.name == "AI"


def test_instances_refuse_a_reverse_relation_and_a_path_without_its_parent():
    with pytest.raises(ImproperlyConfigured, match="forward"):
        CompiledInstances(lambda pk: User.objects.filter(pk=pk), fields=("email",),
                          related={"memberships": ("role",)}, pk=int)(pk=1)
    with pytest.raises(ImproperlyConfigured, match="too"):
        CompiledInstances(lambda pk: Membership.objects.filter(pk=pk), fields=("role",),
                          related={"organization__x": ("name",)}, unscoped=True, pk=int)(pk=1)


def test_the_users_lookup_by_pk_is_the_querysets(django_assert_num_queries):
    person = UserFactory(email="someone@example.com", full_name="Some One",
                         is_staff=True, first_name="Some", last_name="One")

    with django_assert_num_queries(1):
        found = User.objects.get(pk=person.pk)
    expected = User.objects.filter(pk=person.pk).get()

    for field in User._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname)
    assert found._state.adding is False
    assert found._state.db == expected._state.db
    assert found.get_session_auth_hash() == expected.get_session_auth_hash()
    with pytest.raises(User.DoesNotExist):
        User.objects.get(pk=person.pk + 1000)
    # any other lookup goes through the queryset
    assert User.objects.get(email="someone@example.com") == person
    assert User.objects.get(pk=str(person.pk)) == person
    UserFactory(full_name="Some One")
    with pytest.raises(User.MultipleObjectsReturned):
        User.objects.get(full_name="Some One")


def test_a_sliced_query_reads_the_window_of_each_call_from_one_compiled_statement(
        django_assert_num_queries):
    for n in range(7):
        UserFactory(email=f"w{n}@example.com", full_name="Win" if n % 2 else "Other")
    rows = CompiledQuery(
        lambda name: User.objects.filter(full_name=name).order_by("email")
        .values_list("email", flat=True),
        sliced=True, name=str)
    everyone = CompiledQuery(
        lambda name: User.objects.exclude(full_name=name).order_by("-email", "pk")
        .values_list("pk", "email"),
        sliced=True, name=str)

    wins = list(User.objects.filter(full_name="Win").order_by("email")
                .values_list("email", flat=True))
    for offset, limit in ((0, 2), (1, 2), (2, 10), (len(wins), 3)):
        with django_assert_num_queries(1):
            assert rows(name="Win", offset=offset, limit=limit) == wins[offset:offset + limit]
    assert rows(name="Win", offset=0, limit=0) == []  # no query for an empty window
    others = list(User.objects.exclude(full_name="Nobody").order_by("-email", "pk")
                  .values_list("pk", "email"))
    assert everyone(name="Nobody", offset=3, limit=2) == others[3:5]
    assert len(rows._compiled) == 1  # every window, the same statement

    unordered = CompiledQuery(lambda name: User.objects.filter(full_name=name).order_by()
                              .values_list("pk", flat=True), sliced=True, name=str)
    with pytest.raises(ImproperlyConfigured, match="ordered"):
        unordered(name="Win", offset=0, limit=1)
