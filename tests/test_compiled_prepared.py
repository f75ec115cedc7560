"""core.compiled on PostgreSQL with persistent connections: a compiled query is prepared once
per connection (the server plans it once) and executed afterwards, with the same rows, one
counted query and the readable SQL in the log; it recovers when the server forgot its
statements, never prepares inside a transaction, and falls back to plain SQL when it cannot
be prepared or preparing is off."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.compiled import CompiledQuery
from tests.conftest import postgres_available
from tests.factories.accounts import UserFactory

pytestmark = [
    pytest.mark.services,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not postgres_available(),
                       reason="prepared statements need PostgreSQL (set DATABASE_URL)"),
]


@pytest.fixture
def persistent(monkeypatch):
    """Connections that outlive a request, as in production (CONN_MAX_AGE > 0)."""
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)


def _prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return {statement for (statement,) in cursor.fetchall()}


def _emails() -> CompiledQuery:
    return CompiledQuery(lambda name: User.objects.filter(full_name=name).order_by("email")
                         .values_list("email", flat=True), name=str)


def test_prepared_once_then_executed_with_the_same_rows_and_one_query_each(persistent):
    UserFactory(email="a@example.com", full_name="Ada")
    UserFactory(email="b@example.com", full_name="Ada")
    UserFactory(email="c@example.com", full_name="Bob")
    emails = _emails()

    with CaptureQueriesContext(connection) as queries:
        first = [emails(name="Ada") for _ in range(7)]
        other = emails(name="Bob")

    assert first == [["a@example.com", "b@example.com"]] * 7
    assert other == ["c@example.com"]
    assert len(queries.captured_queries) == 8
    # the log shows the query itself, with its values, as the ORM's would
    assert all(q["sql"].startswith('SELECT "accounts_user"."email"')
               for q in queries.captured_queries)
    assert "'Bob'" in queries.captured_queries[-1]["sql"]
    assert [s for s in _prepared() if '"accounts_user"."full_name" = $1' in s]


def test_a_sliced_query_is_one_prepared_statement_for_every_window(persistent):
    for n in range(6):
        UserFactory(email=f"{n}@example.com", full_name="Ada")
    emails = CompiledQuery(lambda name: User.objects.filter(full_name=name).order_by("email")
                           .values_list("email", flat=True), sliced=True, name=str)
    expected = [f"{n}@example.com" for n in range(6)]

    windows = [emails(name="Ada", offset=offset, limit=2) for offset in range(5)]

    assert windows == [expected[offset:offset + 2] for offset in range(5)]
    assert len([s for s in _prepared() if "LIMIT $2 OFFSET $3" in s]) == 1


def test_a_statement_the_server_forgot_is_prepared_again(persistent):
    UserFactory(email="a@example.com", full_name="Ada")
    emails = _emails()
    assert emails(name="Ada") == ["a@example.com"]

    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")  # what a pooler's DISCARD ALL or a restart does

    assert emails(name="Ada") == ["a@example.com"]
    assert [s for s in _prepared() if '"accounts_user"."full_name" = $1' in s]


def test_inside_a_transaction_nothing_is_prepared_but_prepared_ones_run(persistent):
    UserFactory(email="a@example.com", full_name="Ada")
    fresh, known = _emails(), CompiledQuery(
        lambda email: User.objects.filter(email=email).values_list("full_name", flat=True),
        email=str)
    assert known(email="a@example.com") == ["Ada"]
    before = _prepared()

    with transaction.atomic():
        assert fresh(name="Ada") == ["a@example.com"]
        assert known(email="a@example.com") == ["Ada"]
        UserFactory(email="z@example.com", full_name="Ada")  # the transaction goes on
        assert fresh(name="Ada") == ["a@example.com", "z@example.com"]

    assert _prepared() == before


def test_a_query_the_server_cannot_prepare_runs_as_plain_sql(persistent):
    UserFactory(email="a@example.com", full_name="Ada")
    # a parameter the server cannot type: "could not determine data type of parameter $1"
    named_if = CompiledQuery(
        lambda tag: User.objects.extra(where=["%s IS NOT NULL"], params=[tag])
        .values_list("email", flat=True), tag=str)

    assert named_if(tag="x") == ["a@example.com"]
    assert named_if(tag="y") == ["a@example.com"]
    assert not [s for s in _prepared() if "$1 IS NOT NULL" in s]


@pytest.mark.parametrize("switch", ["setting", "short_connections"])
def test_off_by_setting_and_on_connections_of_one_request(switch, settings, monkeypatch):
    if switch == "setting":
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 60)
        settings.FLIPSIDE_PREPARED_STATEMENTS = False
    else:
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    UserFactory(email="a@example.com", full_name="Ada")
    emails = _emails()

    assert emails(name="Ada") == ["a@example.com"]
    assert not [s for s in _prepared() if '"accounts_user"."full_name" = $1' in s]
