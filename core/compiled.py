"""Reads that every request makes, compiled to SQL once per process instead of once per call.

Building a queryset and compiling it costs far more than running it: a membership list with
its organizations takes 0.45 ms of Python to build and compile and 0.04 ms to run and read
(PostgreSQL, bench/load.py's signed-in floor). :class:`CompiledQuery` builds a
``values_list()`` queryset once per database with marker values, finds the markers among the
compiled parameters, and afterwards only runs that SQL with the new values, through the
connection's cursor (so query counting and the debug log see it), converting each column as
the ORM would.

Tenant scopes: a scoped manager would compile the scope open at the first call into the SQL
for good, so a scoped model is refused, except with ``unscoped=True``: then the queryset is
built with the scopes disabled, for the few reads that are unscoped on purpose (a user's own
memberships, before any tenant is chosen), whose filter must name the rows itself. The
build function must depend on
its arguments alone (every other value in it is compiled in once); it is built twice, with
two sets of markers, and refused unless both compile to the same SQL and constants.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router
from django.db.models import QuerySet
from django.db.models.query import FlatValuesListIterable, ValuesListIterable
from django_scopes import scopes_disabled

#: Marker values per parameter type, two sets (see the module docstring): values no request
#: passes (negative ids, control characters, a datetime in 1901).
_MARKERS: dict[type, tuple[Callable[[int], Any], Callable[[int], Any]]] = {
    int: (lambda n: -7_340_001_000 - n, lambda n: -7_340_002_000 - n),
    str: (lambda n: f"\x1fmarker-a-{n}\x1f", lambda n: f"\x1fmarker-b-{n}\x1f"),
    datetime.datetime: (
        lambda n: datetime.datetime(1901, 2, 3, 4, 5, 6, 100 + n, tzinfo=datetime.UTC),
        lambda n: datetime.datetime(1902, 3, 4, 5, 6, 7, 200 + n, tzinfo=datetime.UTC),
    ),
}


class _Compiled:
    __slots__ = ("converters", "flat", "slots", "sql", "template")

    def __init__(
        self,
        sql: str,
        template: list,
        slots: list[tuple[int, str, Callable]],
        converters: list[tuple[int, list, Any]],
        flat: bool,
    ):
        self.sql = sql
        self.template = template
        self.slots = slots
        self.converters = converters
        self.flat = flat


class CompiledQuery:
    """``CompiledQuery(build, user_id=int)(user_id=7)``: the rows of ``build(user_id=7)``
    (a ``values_list()`` queryset) as a list of tuples, or of values with ``flat=True``."""

    def __init__(
        self, build: Callable[..., QuerySet], *, unscoped: bool = False, **parameters: type
    ):
        for name, kind in parameters.items():
            if kind not in _MARKERS:
                raise ImproperlyConfigured(f"{name}: parameters are int, str or datetime.")
        self._build = build
        self._unscoped = unscoped
        self._parameters = parameters
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def __call__(self, **values: Any) -> list:
        if values.keys() != self._parameters.keys():
            raise TypeError(f"expected exactly {sorted(self._parameters)}")
        queryset_model = self._model()
        alias = router.db_for_read(queryset_model)
        connection = connections[alias]
        compiled = self._compiled.get((alias, connection.vendor))
        if compiled is None:
            compiled = self._compiled[alias, connection.vendor] = self._compile(alias)
        params = list(compiled.template)
        for position, name, adapt in compiled.slots:
            params[position] = adapt(values[name], connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = [_convert(row, compiled.converters, connection) for row in rows]
        if compiled.flat:
            return [row[0] for row in rows]
        return [tuple(row) for row in rows]

    def _model(self):
        model = getattr(self, "_model_class", None)
        if model is None:
            with scopes_disabled():
                model = self._model_class = self._build(**self._markers(0)).model
        return model

    def _markers(self, which: int) -> dict[str, Any]:
        return {
            name: _MARKERS[kind][which](n)
            for n, (name, kind) in enumerate(self._parameters.items())
        }

    def _compile(self, alias: str) -> _Compiled:
        connection = connections[alias]
        found = []
        for which in (0, 1):
            markers = self._markers(which)
            model = self._model()
            if not self._unscoped and any(
                hasattr(manager, "with_scopes_disabled") for manager in model._meta.managers
            ):
                raise ImproperlyConfigured(
                    f"{model.__name__} has a tenant scope: not compiled once."
                )
            with scopes_disabled() if self._unscoped else nullcontext():
                queryset = self._build(**markers).using(alias)
            if queryset._iterable_class not in (ValuesListIterable, FlatValuesListIterable):
                raise ImproperlyConfigured("CompiledQuery takes a values_list() queryset.")
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots, template = [], list(params)
            for position, value in enumerate(params):
                for name, marker in markers.items():
                    adapt = _adapter(marker, value, connection)
                    if adapt is not None:
                        slots.append((position, name, adapt))
                        template[position] = None
                        break
            if sorted(name for _, name, _ in slots) != sorted(markers):
                raise ImproperlyConfigured(
                    "each parameter must appear in the SQL exactly as "
                    "passed (a filter value, not inside an expression)."
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
        if first.sql != second.sql or first.template != second.template:
            raise ImproperlyConfigured("the queryset must depend on its parameters alone.")
        return first


def _adapter(marker: Any, value: Any, connection) -> Callable[[Any, Any], Any] | None:
    """How the compiled parameter ``value`` came from ``marker``, if it did."""
    if isinstance(marker, datetime.datetime):
        if value == marker:
            return lambda given, _connection: given
        if value == connection.ops.adapt_datetimefield_value(marker):
            return lambda given, connection: connection.ops.adapt_datetimefield_value(given)
        return None
    if type(value) is type(marker) and value == marker:
        return lambda given, _connection: given
    return None


def _convert(row, converters, connection) -> list:
    row = list(row)
    for position, functions, expression in converters:
        value = row[position]
        for function in functions:
            value = function(value, expression, connection)
        row[position] = value
    return row
