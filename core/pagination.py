"""Pages of long lists whose rows are expensive to join: the page's keys first, then its rows.

A list page that selects rows with their people (users, profiles, levels) and sorts them
makes PostgreSQL join every row of the list before it sorts and cuts the page. Reading the
page's primary keys first (filtered and sorted in SQL, only the joins the filter and the sort
need) with the total as a window count, and then only those rows by key, costs the same
number of queries as Django's count + page and a fraction of the time.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window


def page_number(number) -> int:
    """The page a query string asks for, as ``Paginator.get_page`` reads it (not a number:
    the first)."""
    try:
        return max(int(number), 1)
    except (TypeError, ValueError):
        return 1


def keyed_page(rows: list[tuple], *, number: int, size: int) -> Page:
    """Page ``number`` from its rows of (key, total of the list): what :func:`page_of_keys`
    reads, for callers that read those rows themselves (a compiled query)."""
    paginator = Paginator([], size)
    paginator.count = rows[0][1]  # a cached_property: no COUNT query
    return Page([key for key, _ in rows], number, paginator)


def page_of_keys(queryset: QuerySet, *, number, size: int) -> Page:
    """Page ``number`` of ``queryset``'s primary keys (in its order) as ``Paginator.get_page``
    gives it (not a number: the first page; past the end: the last), in one query: the
    total comes with the keys (a window count) instead of a query of its own; only a page
    past the end costs a count and a second read."""
    wanted = page_number(number)
    page = _page_with_total(queryset, wanted, size)
    if page is not None:
        return page
    page = Paginator(queryset.values_list("pk", flat=True), size).get_page(wanted)
    return Page(list(page.object_list), page.number, page.paginator)


def _page_with_total(queryset: QuerySet, number: int, size: int) -> Page | None:
    """Page ``number`` (≥ 1) of the keys with its paginator's count already known, or
    ``None`` when the page is empty (past the end, or an empty list)."""
    rows = list(keys_with_total(queryset)[(number - 1) * size:number * size])
    if not rows:
        return None
    return keyed_page(rows, number=number, size=size)


def keys_with_total(queryset: QuerySet) -> QuerySet:
    """``queryset``'s (primary key, total number of its rows) in its order: a page of it is
    the page's keys with the count a paginator needs."""
    return queryset.annotate(page_total=Window(Count("pk"))).values_list("pk", "page_total")


class RowWindow:
    """A list a ``Paginator`` pages through by asking for one window of it: ``fetch(offset,
    limit)`` reads those rows, ``count`` is known already (a cheaper query than counting the
    rows' own)."""

    def __init__(self, fetch: Callable[[int, int], list], count: int):
        self._fetch = fetch
        self._count = count

    def __len__(self) -> int:
        return self._count

    def count(self) -> int:
        return self._count

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop if window.stop is not None else self._count
        return self._fetch(start, max(0, stop - start))


def rows_by_keys(queryset: QuerySet, keys: list) -> list:
    """The rows of ``queryset`` whose primary keys are ``keys``, in that order (one query,
    plus the queryset's prefetches)."""
    found = {row.pk: row for row in queryset.filter(pk__in=keys)}
    return [found[key] for key in keys if key in found]


class KeysFirstPageNumberPagination:
    """Mix into a DRF ``PageNumberPagination``: the same pages, errors and links, read as the
    page's keys with the total, then its rows by key. A page that is not a plain positive
    number ("last", garbage) or comes out empty takes DRF's own path (a count, then 404 for
    an invalid page, as before)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        if not size:
            return None
        number = request.query_params.get(self.page_query_param) or "1"
        page = _page_with_total(queryset, int(number), size) \
            if number.isdigit() and int(number) >= 1 else None
        if page is None:
            keys = super().paginate_queryset(queryset.values_list("pk", flat=True), request,
                                             view)
            return self.rows_of_keys(queryset, list(keys)) if keys is not None else None
        self.page = page
        if page.paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return self.rows_of_keys(queryset, page.object_list)

    def rows_of_keys(self, queryset, keys: list) -> list:
        """The page's rows (override to read them another way: the keys are the page's, in
        its order, already filtered and scoped by ``queryset``)."""
        return rows_by_keys(queryset, keys)


def page_links(page: Page) -> list[int | None]:
    """Page numbers a list links to: the first, the last and two either side of the current
    one; ``None`` marks a gap ("…")."""
    last, current = page.paginator.num_pages, page.number
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    links: list[int | None] = []
    for number in wanted:
        if links and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links
