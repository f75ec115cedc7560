"""Reads that pages make on every request, compiled to SQL once per process instead of once
per call.

Building a queryset and compiling it costs far more than running it: the check-ins waiting on
the start page take 0.9 ms of Python to build and compile, 0.04 ms to run and read
(PostgreSQL, bench/pages.py). :class:`CompiledQuery` builds a ``values_list()`` queryset once
per database with marker values in place of its parameters, finds the markers among the
compiled SQL parameters, and from then on only runs that SQL with the values of the call,
through the connection's cursor (so query counts and the debug log see it), converting each
column as the ORM does.

Tenant scopes stay as strict as the ORM's. The queryset is compiled inside a tenant scope
whose organization is a marker too, so every scoped manager the build uses (the model's, a
subquery's) puts its ``organization`` filter into the SQL with that marker; a call fills in
the organization of the scope open at the time. With no scope open the call raises
``ScopeError`` as the ORM does; with scopes disabled, or a scope of no or several
organizations, it runs the ORM queryset itself. ``unscoped=True`` compiles with the scopes
disabled, for the few reads that are unscoped on purpose and restrict their rows themselves
(a user's own memberships, before any tenant is chosen).

The build function must depend on its arguments alone: every other value in it is compiled in
for good. It is built twice, with two sets of markers, and refused unless both give the same
SQL and the same constants; a parameter must reach the SQL as it was passed (a filter value,
not inside an expression or a ``LIKE`` pattern).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import weakref
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connections, router
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesListIterable
from django_scopes import ScopeError, scope, scopes_disabled
from django_scopes.state import get_scope

#: Marker values, two sets (see the module docstring): values no request passes (negative
#: ids, control characters, dates in 1901). ``list`` is a list of ids.
_MARKERS: dict[type, tuple[Callable[[int], Any], Callable[[int], Any]]] = {
    int: (lambda n: -7_340_001_000 - n, lambda n: -7_340_002_000 - n),
    str: (lambda n: f"\x1fmarker-a-{n}\x1f", lambda n: f"\x1fmarker-b-{n}\x1f"),
    datetime.datetime: (
        lambda n: datetime.datetime(1901, 2, 3, 4, 5, 6, 100 + n, tzinfo=datetime.UTC),
        lambda n: datetime.datetime(1902, 3, 4, 5, 6, 7, 200 + n, tzinfo=datetime.UTC),
    ),
    datetime.date: (
        lambda n: datetime.date(1901, 1, 1) + datetime.timedelta(days=n),
        lambda n: datetime.date(1902, 6, 1) + datetime.timedelta(days=n),
    ),
}
_SCOPE_MARKERS = (-7_340_009_001, -7_340_009_002)
_SCOPE = "\x1fscope\x1f"  # the name of the scope's organization among the parameters


class _Compiled:
    __slots__ = ("converters", "flat", "name", "preparable", "scoped", "slots", "sql", "template")

    def __init__(self, sql, template, slots, converters, flat):
        self.sql = sql
        self.template = template
        #: (position in the parameters, parameter name, index in a list or None, adapter)
        self.slots = slots
        self.converters = converters
        self.flat = flat
        self.scoped = any(name == _SCOPE for _, name, _, _ in slots)
        self.name = "flipside_" + hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:24]
        self.preparable = len(template) <= PREPARED_MAX_PARAMETERS


# --- PostgreSQL: prepared statements ----------------------------------------------------------
# PostgreSQL plans a query each time it receives its text: about 1 ms for a join of ten
# tables (a pair with both people, their accounts and profiles), ten times what running it
# takes. On a persistent connection a compiled query is prepared once (PREPARE) and then only
# executed (EXECUTE), so the server plans it once per connection too. Off with
# FLIPSIDE_PREPARED_STATEMENTS = False (behind a pooler in transaction mode, whose server
# connections do not keep a client's statements) and on connections that live one request
# (CONN_MAX_AGE = 0), where a statement would be prepared for one use.

#: Statements with more parameters (a page of 500 ids) are not prepared: one per length.
PREPARED_MAX_PARAMETERS = 100
_prepared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # DB-API connection -> names
_PLACEHOLDER = re.compile(r"%(s|%)")


def _prepares(connection) -> bool:
    return (
        connection.vendor == "postgresql"
        and getattr(settings, "FLIPSIDE_PREPARED_STATEMENTS", True)
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
    )


def _numbered(sql: str) -> str:
    """Django's ``%s`` placeholders as PostgreSQL's ``$1, $2, …`` (and ``%%`` as ``%``)."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return _PLACEHOLDER.sub(lambda m: "%" if m.group(1) == "%" else f"${next(numbers)}", sql)


def _fetch_prepared(connection, compiled: _Compiled, params: list) -> list | None:
    """The rows through the prepared statement, preparing it first on this connection; ``None``
    when it cannot be prepared here (the caller runs the plain SQL)."""
    with connection.cursor() as cursor:
        raw_connection = connection.connection
        names = _prepared.setdefault(raw_connection, set())
        execute = (
            f"EXECUTE {compiled.name}({', '.join(['%s'] * len(params))})"
            if params
            else f"EXECUTE {compiled.name}"
        )
        if compiled.name not in names:
            # A PREPARE refused inside a transaction would break it: prepare outside only.
            if connection.in_atomic_block:
                return None
            if not _prepare(connection, cursor, compiled):
                return None
            names.add(compiled.name)
        try:
            cursor.execute(execute, params)
        except DatabaseError as error:  # the server forgot it (DISCARD ALL, a restart)
            if getattr(error.__cause__, "pgcode", None) != "26000" or connection.in_atomic_block:
                raise
            names.clear()
            if not _prepare(connection, cursor, compiled):
                return None
            names.add(compiled.name)
            cursor.execute(execute, params)
        rows = cursor.fetchall()
        if connection.queries_logged and connection.queries_log:
            # the log shows the statement the prepared one stands for, as the ORM's would
            connection.queries_log[-1]["sql"] = cursor.cursor.mogrify(compiled.sql, params).decode()
        return rows


def _prepare(connection, cursor, compiled: _Compiled) -> bool:
    connection.validate_no_broken_transaction()
    try:
        with connection.wrap_database_errors:
            cursor.cursor.execute(f"PREPARE {compiled.name} AS {_numbered(compiled.sql)}")
    except DatabaseError:  # e.g. a parameter whose type the server cannot infer
        compiled.preparable = False
        return False
    return True


class CompiledQuery:
    """``CompiledQuery(build, user_id=int)(user_id=7)``: the rows of ``build(user_id=7)``
    (a ``values_list()`` queryset) as a list of tuples, or of values with ``flat=True``.
    Parameter types: ``int``, ``str``, ``datetime.datetime``, ``datetime.date`` and ``list``
    (of ids; compiled once per length)."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        unscoped: bool = False,
        sliced: bool = False,
        **parameters: type,
    ):
        for name, kind in parameters.items():
            if kind not in _MARKERS and kind is not list:
                raise ImproperlyConfigured(
                    f"{name}: parameters are int, str, datetime, date or list."
                )
        self._build = build
        self._unscoped = unscoped
        #: ``sliced``: each call passes ``offset`` and ``limit`` too, a page of the ordered rows
        #: (``LIMIT``/``OFFSET`` parameters of the one compiled SQL, where the ORM would write
        #: their values into the SQL, a statement per page).
        self._sliced = sliced
        self._parameters = parameters
        self._compiled: dict[tuple, _Compiled] = {}

    def __call__(self, **values: Any) -> list:
        window = None
        if self._sliced:
            window = (values.pop("offset"), values.pop("limit"))
        if values.keys() != self._parameters.keys():
            raise TypeError(f"expected exactly {sorted(self._parameters)}")
        if window is not None:
            if window[1] <= 0:
                return []
            return self._call(values, window)
        return self._call(values, None)

    def _call(self, values: dict[str, Any], window: tuple[int, int] | None) -> list:
        lengths = tuple(
            len(values[name]) for name, kind in self._parameters.items() if kind is list
        )
        if 0 in lengths:
            return self._orm(values, window)  # an empty IN list: the ORM knows what it leaves out
        alias = router.db_for_read(self._model())
        connection = connections[alias]
        key = (alias, connection.vendor, lengths)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(alias, lengths)
        if compiled.scoped:
            organization = _scope_organization()
            if organization is None:
                return self._orm(values, window)
            values = {**values, _SCOPE: organization}
        params = list(compiled.template)
        for position, name, index, adapt in compiled.slots:
            value = values[name] if index is None else values[name][index]
            params[position] = adapt(value, connection)
        if window is not None:
            offset, limit = window
            params.extend((limit, offset))
        rows = (
            _fetch_prepared(connection, compiled, params)
            if compiled.preparable and _prepares(connection)
            else None
        )
        if rows is None:
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, params)
                rows = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        if compiled.flat:
            return [row[0] for row in rows]
        return [tuple(row) for row in rows]

    def _orm(self, values: dict[str, Any], window: tuple[int, int] | None = None) -> list:
        """What the ORM itself returns, for the states the compiled SQL does not cover."""
        with scopes_disabled() if self._unscoped else nullcontext():
            rows = self._build(**values)
            if window is not None:
                offset, limit = window
                rows = rows[offset : offset + limit]
            return list(rows)

    def _model(self):
        model = getattr(self, "_model_class", None)
        if model is None:
            with scopes_disabled():
                model = self._model_class = self._build(**self._markers(0, ())).model
        return model

    def _markers(self, which: int, lengths: tuple[int, ...]) -> dict[str, Any]:
        markers, lists = {}, iter(lengths)
        for n, (name, kind) in enumerate(self._parameters.items()):
            if kind is list:
                markers[name] = [
                    _MARKERS[int][which](100 * (n + 1) + i) for i in range(next(lists, 1))
                ]
            else:
                markers[name] = _MARKERS[kind][which](n)
        return markers

    def _compile(self, alias: str, lengths: tuple[int, ...]) -> _Compiled:
        connection = connections[alias]
        found = []
        for which in (0, 1):
            markers = self._markers(which, lengths)
            if self._unscoped:
                with scopes_disabled():
                    queryset = self._build(**markers).using(alias)
            else:
                with scope(organization=_SCOPE_MARKERS[which]):
                    queryset = self._build(**markers).using(alias)
            if queryset._iterable_class not in (ValuesListIterable, FlatValuesListIterable):
                raise ImproperlyConfigured("CompiledQuery takes a values_list() queryset.")
            if self._sliced and not queryset.ordered:
                raise ImproperlyConfigured("A sliced CompiledQuery needs an ordered queryset.")
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            if self._sliced:
                sql = f"{sql} LIMIT %s OFFSET %s"  # the call's window, the last two parameters
            wanted = _flatten(markers)
            if not self._unscoped:
                wanted.append((_SCOPE, None, _SCOPE_MARKERS[which]))
            slots, template, seen = [], list(params), set()
            for position, value in enumerate(params):
                for name, index, marker in wanted:
                    adapt = _adapter(marker, value, connection)
                    if adapt is not None:
                        slots.append((position, name, index, adapt))
                        template[position] = None
                        seen.add((name, index))
                        break
            missing = {(name, index) for name, index, _ in wanted if name != _SCOPE} - seen
            if missing:
                raise ImproperlyConfigured(
                    f"{sorted(name for name, _ in missing)}: each parameter must reach the SQL "
                    "as passed (a filter value, not inside an expression or a pattern)."
                )
            fields = [column[0] for column in compiler.select[: compiler.col_count]]
            converters = [
                (position, functions, expression)
                for position, (functions, expression) in compiler.get_converters(fields).items()
            ]
            found.append(
                _Compiled(
                    sql,
                    template,
                    slots,
                    converters,
                    queryset._iterable_class is FlatValuesListIterable,
                )
            )
        first, second = found
        if (
            first.sql != second.sql
            or first.template != second.template
            or [s[:3] for s in first.slots] != [s[:3] for s in second.slots]
        ):
            raise ImproperlyConfigured("the queryset must depend on its parameters alone.")
        return first


def _scope_organization() -> int | None:
    """The pk of the one organization of the open tenant scope; ``None`` when the ORM must
    answer instead (scopes disabled, a scope of no or several organizations). No scope at all
    raises, as a scoped manager does."""
    current = get_scope()
    if not current.get("_enabled", True):
        return None
    if "organization" not in current:
        raise ScopeError("A scope on dimension(s) organization needs to be active for this query.")
    organization = current["organization"]
    if isinstance(organization, (list, tuple)) or organization is None:
        return None
    return organization if isinstance(organization, int) else organization.pk


def _flatten(markers: dict[str, Any]) -> list[tuple[str, int | None, Any]]:
    flat = []
    for name, marker in markers.items():
        if isinstance(marker, list):
            flat.extend((name, index, item) for index, item in enumerate(marker))
        else:
            flat.append((name, None, marker))
    return flat


def _adapter(marker: Any, value: Any, connection) -> Callable[[Any, Any], Any] | None:
    """How the compiled parameter ``value`` came from ``marker``, if it did."""
    if isinstance(marker, datetime.datetime):
        if type(value) is datetime.datetime and value == marker:
            return _as_given
        if value == connection.ops.adapt_datetimefield_value(marker):
            return _as_datetime_field
        return None
    if isinstance(marker, datetime.date):
        if type(value) is datetime.date and value == marker:
            return _as_given
        if value == connection.ops.adapt_datefield_value(marker):
            return _as_date_field
        return None
    if type(value) is type(marker) and value == marker:
        return _as_given
    return None


def _as_given(value, _connection):
    return value


def _as_datetime_field(value, connection):
    return connection.ops.adapt_datetimefield_value(value)


def _as_date_field(value, connection):
    return connection.ops.adapt_datefield_value(value)


def _convert(row, converters, connection) -> list:
    row = list(row)
    for position, functions, expression in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row


#: Every concrete field of the model, for ``fields`` or a path of ``related``.
ALL = "__all__"


class CompiledInstances:
    """Model instances from a compiled query: what ``build(...).select_related(*related)
    .only(*fields)`` gives, without building the queryset on each call.

    ``fields`` names the model's own fields to load (:data:`ALL`, or a function returning
    the names, read when first compiled); ``related`` maps each path of forward relations
    (``"mentor"``, ``"mentor__membership__user"``) to the fields to load there, alike.
    Primary keys and the foreign keys a path passes through are always loaded. A field left
    out is deferred, as with ``only()``: reading it costs a query, so name what the page
    reads."""

    def __init__(
        self,
        build: Callable[..., QuerySet],
        *,
        fields: tuple[str, ...] | str | Callable[[], tuple[str, ...]],
        related: dict[str, tuple[str, ...] | str | Callable[[], tuple[str, ...]]] | None = None,
        unscoped: bool = False,
        **parameters: type,
    ):
        self._fields = fields
        self._related = related or {}
        self._shape: list | None = None

        def values_list(**values: Any) -> QuerySet:
            queryset = build(**values)
            return queryset.values_list(*self._columns(queryset.model))

        self._query = CompiledQuery(values_list, unscoped=unscoped, **parameters)

    def __call__(self, **values: Any) -> list:
        rows = self._query(**values)
        if not rows:
            return []
        shape, database = self._shape, router.db_for_read(self._query._model())
        found = []
        for row in rows:
            made: dict[str, Any] = {}
            for path, model, attnames, start, parent, field, pk_at in shape:
                values_here = row[start : start + len(attnames)]
                if parent is None:
                    made[path] = model.from_db(database, attnames, values_here)
                    continue
                owner = made[parent]
                if owner is None or values_here[pk_at] is None:  # a null foreign key
                    made[path] = None
                    if owner is not None:
                        field.set_cached_value(owner, None)
                    continue
                made[path] = instance = model.from_db(database, attnames, values_here)
                field.set_cached_value(owner, instance)
            found.append(made[""])
        return found

    def _columns(self, model) -> list[str]:
        """The values_list() columns, and (once) how a row splits into instances."""
        wanted = {"": self._fields, **self._related}
        paths = sorted(wanted, key=lambda path: (path.count("__") + bool(path), path))
        models, shape, columns = {"": model}, [], []
        for path in paths:
            if path:
                parent, _, name = path.rpartition("__")
                if parent not in wanted:
                    raise ImproperlyConfigured(f"{path}: list {parent or 'the model'} too.")
                field = models[parent]._meta.get_field(name)
                if not (field.concrete and (field.many_to_one or field.one_to_one)):
                    raise ImproperlyConfigured(f"{path}: only forward foreign keys are followed.")
                models[path] = field.related_model
        for path in paths:
            meta = models[path]._meta
            names = wanted[path]
            if callable(names):
                names = names()
            chosen = (
                {f.attname for f in meta.concrete_fields}
                if names == ALL
                else {meta.pk.attname, *(meta.get_field(name).attname for name in names)}
            )
            for child in paths:  # the foreign keys its paths pass through
                parent, _, name = child.rpartition("__")
                if child and parent == path:
                    chosen.add(meta.get_field(name).attname)
            # Model.from_db() takes the values in the order of the model's fields
            attnames = [f.attname for f in meta.concrete_fields if f.attname in chosen]
            parent, _, name = path.rpartition("__")
            field = models[parent]._meta.get_field(name) if path else None
            shape.append(
                (
                    path,
                    models[path],
                    attnames,
                    len(columns),
                    parent if path else None,
                    field,
                    attnames.index(meta.pk.attname),
                )
            )
            prefix = f"{path}__" if path else ""
            columns.extend(f"{prefix}{attname}" for attname in attnames)
        self._shape = shape
        return columns
