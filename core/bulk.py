"""Bulk inserts and updates of thousands of rows (the CSV import, the email outbox): a few
statements per thousand rows, no model instance per row.

Django's ``bulk_create`` spends most of a 10,000-row import in per-value Python (building an
instance, then compiling every value through the generic insert compiler), and
``bulk_update`` writes one ``CASE WHEN`` per field whose size grows with the batch. These two
functions write the same values (each goes through its field's ``get_db_prep_save``, so it
is stored exactly as the ORM would store it) with one multi-row ``INSERT … RETURNING`` or one
``UPDATE … FROM (VALUES …)`` per batch, on PostgreSQL and on SQLite ≥ 3.35 alike; an older
SQLite takes Django's own path.

Like ``bulk_create``/``bulk_update``: no ``save()``, no signals, no validation (the import's
plan has checked every value), ``auto_now`` fields are set on insert only.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

#: Rows per statement at most (SQLite also caps the parameters of one statement).
ROWS_PER_STATEMENT = 500

#: Field types whose ``get_db_prep_save`` hands these Python types back as they are: such a
#: value is passed on without the call (the ORM would store the same).
_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("CharField", "TextField", "EmailField", "SlugField", "URLField"), (str,)),
    **dict.fromkeys(
        (
            "IntegerField",
            "SmallIntegerField",
            "BigIntegerField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "PositiveBigIntegerField",
            "ForeignKey",
            "OneToOneField",
        ),
        (int,),
    ),
    "BooleanField": (bool,),
}


def _converter(field: models.Field) -> Callable:
    """``value -> database value`` as ``field.get_db_prep_save`` gives it."""
    database = connections[DEFAULT_DB_ALIAS]  # the connection itself, not its proxy
    prepare = field.get_db_prep_save
    plain = _PLAIN_TYPES.get(field.get_internal_type())
    if plain is None:
        return lambda value: prepare(value, database)
    return lambda value: (
        value if value is None or type(value) in plain else prepare(value, database)
    )


def _fast_path() -> bool:
    if connection.vendor == "postgresql":
        return True
    return connection.vendor == "sqlite" and connection.Database.sqlite_version_info >= (3, 35)


def _batch_size(width: int) -> int:
    limit = connection.features.max_query_params
    return max(1, min(ROWS_PER_STATEMENT, limit // width if limit else ROWS_PER_STATEMENT))


def rows_insert(
    model: type[models.Model], rows: Sequence[dict], *, ignore_conflicts: bool = False
) -> list[int]:
    """Insert ``rows`` (values by field ``attname``; a field left out takes its default, an
    ``auto_now``/``auto_now_add`` one the current time) and return their primary keys, in
    order. With ``ignore_conflicts`` a row that would break a unique constraint is left out
    (``ON CONFLICT DO NOTHING``) and the keys are those of the rows inserted."""
    if not rows:
        return []
    opts = model._meta
    fields = [f for f in opts.concrete_fields if not f.primary_key]
    if not _fast_path():
        created = model._base_manager.bulk_create(
            [model(**row) for row in rows], ignore_conflicts=ignore_conflicts
        )
        return [obj.pk for obj in created if obj.pk is not None]
    now = timezone.now()
    given = set().union(*(row.keys() for row in rows))
    fixed = {}
    for f in fields:
        if f.attname not in given and (
            getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
        ):
            fixed[f.attname] = now
    prepare = [(f.attname, _converter(f), f.get_default) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    one_row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = _batch_size(len(fields))
    conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params = []
            for row in batch:
                for attname, prep, default in prepare:
                    if attname in row:
                        value = row[attname]
                    elif attname in fixed:
                        value = fixed[attname]
                    else:
                        value = default()
                    params.append(prep(value))
            cursor.execute(
                f"INSERT INTO {quote(opts.db_table)} ({columns}) VALUES "  # noqa: S608
                f"{', '.join([one_row] * len(batch))}{conflicts} "
                f"RETURNING {quote(opts.pk.column)}",
                params,
            )
            ids.extend(row[0] for row in cursor.fetchall())
    return ids


def rows_update(model: type[models.Model], rows: Sequence[dict], fields: Sequence[str]) -> None:
    """Set ``fields`` (by ``attname``) of the rows whose primary key is each row's ``"pk"``."""
    if not rows or not fields:
        return
    opts = model._meta
    targets = [opts.get_field(name) for name in fields]
    if not _fast_path() or (
        connection.vendor == "sqlite" and connection.Database.sqlite_version_info < (3, 33)
    ):
        objs = []
        for row in rows:
            obj = model(pk=row["pk"])
            for field in targets:
                setattr(obj, field.attname, row[field.attname])
            objs.append(obj)
        model._base_manager.bulk_update(
            objs, [f.name for f in targets], batch_size=ROWS_PER_STATEMENT
        )
        return
    quote = connection.ops.quote_name
    table = quote(opts.db_table)
    postgres = connection.vendor == "postgresql"

    def value(position: int, field) -> str:
        # PostgreSQL types a VALUES column from its literals (text for strings): cast each
        # to the column's own type, as an assignment would.
        column = f"v.column{position}"
        return f"CAST({column} AS {field.db_type(connection)})" if postgres else column

    assignments = ", ".join(
        f"{quote(field.column)} = {value(index + 2, field)}" for index, field in enumerate(targets)
    )
    match = f"{table}.{quote(opts.pk.column)} = {value(1, opts.pk)}"
    one_row = "(" + ", ".join(["%s"] * (len(targets) + 1)) + ")"
    size = _batch_size(len(targets) + 1)
    prepare = [(field.attname, _converter(field)) for field in targets]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), size):
            batch = rows[start : start + size]
            params = []
            for row in batch:
                params.append(row["pk"])
                params.extend(prep(row[attname]) for attname, prep in prepare)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM (VALUES "  # noqa: S608
                f"{', '.join([one_row] * len(batch))}) AS v WHERE {match}",
                params,
            )
