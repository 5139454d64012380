"""Querysets compiled to SQL once and run many times with their own values.

Django builds and compiles a queryset's SQL afresh on every evaluation. For the wide rows the
screens read on every request (the signed-in user; an admission, a patient, an order with the
rows it joins), that costs 1-2 ms of CPU a query on the 2-core box, several times what
PostgreSQL takes to run it (tests/bench/pages.py --explain against --profile; docs/BENCHMARKS.md,
session 21). A `Prepared` query is built and compiled once per database for stand-in values, and
each call runs that SQL with the caller's values in the stand-ins' places, reading the rows into
model instances as Django's own iterable does (select_related, annotations).

    _ADMISSION = Prepared(
        lambda pk: Admission.objects.select_related("patient").filter(pk=pk), pk=-1
    )
    admission = _ADMISSION.one(pk=pk)     # the instance, or None

Only queries whose SQL does not depend on the values fit: equality and range filters, not
`__in` lists (their length is in the SQL) nor `__contains` (the value is wrapped); a value that
is None makes other SQL (`IS NULL`): give such a query one `Prepared` per shape. Where each
value lands is found by compiling once more per value with another stand-in; a query that
transforms a value, or whose SQL changes with it, is refused when first compiled
(ImproperlyConfigured). Under the tests (`settings.HMS_PREPARED_CHECK`) every call is also
built and compiled the ordinary way and must give the same SQL and parameters
(PreparedMismatch), so the whole suite holds each prepared query to Django's own.
"""

import dataclasses
import datetime
import uuid
from collections.abc import Callable
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connections, models, router
from django.db.models.query import QuerySet, get_related_populators

# A second stand-in per type of value: whatever differs between the two compiles is that value.
_OTHER_STAND_IN = {
    int: lambda value: value - 7919,
    str: lambda value: value + "~other",
    uuid.UUID: lambda value: uuid.UUID(int=value.int ^ 0xFFFF),
    datetime.datetime: lambda value: value + datetime.timedelta(days=3, microseconds=17),
    datetime.date: lambda value: value + datetime.timedelta(days=3),
    Decimal: lambda value: value + Decimal("7.31"),
}

# How a value of each type is written as a parameter (what Django's fields do with it). One
# field of each kind, made once: building a Field costs ~100 calls, and a page of dates passes
# dozens of values.
_UUID, _DATETIME, _DATE = models.UUIDField(), models.DateTimeField(), models.DateField()
_DB_VALUE = {
    int: lambda value, connection: value,
    str: lambda value, connection: value,
    uuid.UUID: _UUID.get_db_prep_value,
    datetime.datetime: _DATETIME.get_db_prep_value,
    datetime.date: _DATE.get_db_prep_value,
    Decimal: lambda value, connection: connection.ops.adapt_decimalfield_value(value),
}


# The widest integer a database column holds (a signed 64-bit BIGINT).
_WIDEST_INTEGER = 2**63 - 1


def _beyond_any_integer_column(value: object) -> bool:
    return type(value) is int and not -_WIDEST_INTEGER - 1 <= value <= _WIDEST_INTEGER


class PreparedMismatch(AssertionError):
    """A prepared query's SQL or parameters differ from the queryset's own (tests only)."""


@dataclasses.dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple
    # Where each value goes: (position in params, name of the value).
    slots: tuple[tuple[int, str], ...]
    compiler: object
    prefetch: tuple
    # The column names of a `.values()` queryset's rows, as Django's ValuesIterable names them.
    names: tuple[str, ...]
    # Each column's converters from the database's value to Python's, by position, as
    # `compiler.results_iter` gathers them on every call: ~10 calls a column, ~1,000 for a
    # work order's 90 columns (issue 14, session 29). They depend on the columns only.
    converters: dict

    def rows(self, fetched: list) -> list:
        """`fetched` (the cursor's rows) converted as Django's `results_iter` converts them."""
        if not self.converters:
            return fetched
        return list(self.compiler.apply_converters(fetched, self.converters))


def _db_value(value: object, connection) -> object:
    try:
        return _DB_VALUE[type(value)](value, connection)
    except KeyError:
        # A subclass (an aware datetime's own type is datetime; a str-based choice value).
        for kind, convert in _DB_VALUE.items():
            if isinstance(value, kind):
                return convert(value, connection)
        raise


class Prepared:
    """`build(**values)` -> QuerySet, compiled once per database for `stand_ins` (one value per
    name, of the type the callers pass: int, str, UUID, datetime, date, Decimal)."""

    def __init__(self, build: Callable[..., QuerySet], **stand_ins: object) -> None:
        unknown = [name for name, value in stand_ins.items() if type(value) not in _DB_VALUE]
        if unknown:
            raise ImproperlyConfigured(f"No stand-in rule for the values of {unknown}.")
        self._build = build
        self._stand_ins = stand_ins
        self._compiled: dict[str, _Compiled] = {}
        self._alias: str | None = None

    def _compile(self, queryset: QuerySet, connection) -> tuple[str, tuple, object]:
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        return sql, tuple(params), compiler

    def _prepare(self, alias: str) -> _Compiled:
        connection = connections[alias]
        queryset = self._build(**self._stand_ins)
        sql, params, compiler = self._compile(queryset, connection)
        slots = []
        for name, stand_in in self._stand_ins.items():
            other = dict(self._stand_ins, **{name: _OTHER_STAND_IN[type(stand_in)](stand_in)})
            other_sql, other_params, _ = self._compile(self._build(**other), connection)
            differ = []
            if other_sql == sql and len(other_params) == len(params):
                pairs = enumerate(zip(params, other_params, strict=True))
                differ = [i for i, (a, b) in pairs if a != b]
            if (
                not differ
                or any(params[i] != _db_value(stand_in, connection) for i in differ)
                or any(other_params[i] != _db_value(other[name], connection) for i in differ)
            ):
                raise ImproperlyConfigured(
                    f"{self._build!r}: the SQL changes with {name!r}, or the value is "
                    "transformed on its way in, or not used: it cannot be prepared."
                )
            slots += [(i, name) for i in differ]
        query = queryset.query
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
        columns = [column[0] for column in compiler.select[0 : compiler.col_count]]
        return _Compiled(
            sql,
            params,
            tuple(slots),
            compiler,
            tuple(queryset._prefetch_related_lookups),
            names,
            compiler.get_converters(columns),
        )

    def queryset(self, **values: object) -> QuerySet:
        """The queryset itself for `values`, as Django runs it (e.g. to check a posted choice)."""
        return self._build(**values)

    def all(self, **values: object) -> list[models.Model]:
        """The rows for `values` (the names given as stand-ins, every one), as model instances
        with their select_related objects, annotations and prefetches."""
        if any(_beyond_any_integer_column(value) for value in values.values()):
            # An id of 20 digits typed into an address: no row holds it (Django's own lookup
            # answers no rows too, where the database would refuse the number).
            self._check_names(values)
            return []
        return _instances(*self._bound(values))

    def values(self, **values: object) -> list[dict]:
        """The rows of a `.values(...)` queryset (its build ends in values() and, for an
        aggregate over every row, annotate()) for `values`, as dicts, as Django gives them."""
        compiled, params, alias = self._bound(values)
        with connections[alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return [dict(zip(compiled.names, row, strict=True)) for row in compiled.rows(rows)]

    def _check_names(self, values: dict) -> None:
        if values.keys() != self._stand_ins.keys():
            raise TypeError(f"Give exactly {sorted(self._stand_ins)}.")

    def _bound(self, values: dict) -> tuple[_Compiled, list, str]:
        """The compiled query, its parameters with `values` in their places, and the database."""
        self._check_names(values)
        if self._alias is None:
            self._alias = router.db_for_read(self._build(**self._stand_ins).model)
        alias = self._alias
        if (compiled := self._compiled.get(alias)) is None:
            compiled = self._compiled[alias] = self._prepare(alias)
        connection = connections[alias]
        params = list(compiled.params)
        for position, name in compiled.slots:
            params[position] = _db_value(values[name], connection)
        if getattr(settings, "HMS_PREPARED_CHECK", False):
            sql, own_params, _ = self._compile(self._build(**values), connection)
            if sql != compiled.sql or list(own_params) != params:
                raise PreparedMismatch(
                    f"{self._build!r} for {values!r}: prepared {compiled.sql!r} {params!r}, "
                    f"Django's own {sql!r} {list(own_params)!r}"
                )
        return compiled, params, alias

    def one(self, **values: object) -> models.Model | None:
        """The row for `values`, or None; the query must not match several (ValueError)."""
        rows = self.all(**values)
        if len(rows) > 1:
            raise ValueError(f"{self._build!r} matched {len(rows)} rows for {values!r}.")
        return rows[0] if rows else None


def _instances(compiled: _Compiled, params: list, alias: str) -> list[models.Model]:
    """The rows as Django's ModelIterable makes them (django/db/models/query.py)."""
    compiler = compiled.compiler
    with connections[alias].cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows = cursor.fetchall()
    select, klass_info = compiler.select, compiler.klass_info
    annotation_col_map = compiler.annotation_col_map
    model_cls = klass_info["model"]
    select_fields = klass_info["select_fields"]
    start, end = select_fields[0], select_fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    related_populators = get_related_populators(klass_info, select, alias)
    found = []
    for row in compiled.rows(rows):
        obj = model_cls.from_db(alias, init_list, row[start:end])
        for populator in related_populators:
            populator.populate(row, obj)
        for name, position in (annotation_col_map or {}).items():
            setattr(obj, name, row[position])
        found.append(obj)
    if compiled.prefetch and found:
        models.prefetch_related_objects(found, *compiled.prefetch)
    return found
