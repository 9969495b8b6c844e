"""Internal: a list request's parameters (filters, ordering, page) and the page it asks for.

``GET <route>/?todo_list=1&done=false&ordering=-order,text&page=2&page_size=20``.
Every parameter is given at most once; errors are collected per parameter so a client
sees all of them in one 400 answer.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models

from .base import ModelRouter

__all__ = ["ListQuery", "page_of", "read_list_query", "single_values"]

_POSITIVE_RE = re.compile(r"\A[1-9][0-9]{0,8}\Z")


@dataclass(frozen=True)
class ListQuery:
    """A validated list request."""

    params: dict[str, object]
    """Filter values by filter name."""
    order_by: list[str]
    page: int
    """1-based."""
    page_size: int


def read_list_query(
    router: ModelRouter, query: Mapping[str, Sequence[str]]
) -> tuple[ListQuery | None, dict[str, list[str]]]:
    """Read a query string (name -> values, as ``QueryDict.lists()`` gives) for ``router``.

    Returns the query, or None and the error messages by parameter name.
    """
    single, errors = single_values(query)
    page = _positive(single.pop("page", "1"), "page", errors)
    page_size = _positive(single.pop("page_size", str(router.page_size)), "page_size", errors)
    if page_size is not None and page_size > router.max_page_size:
        errors["page_size"] = [f"At most {router.max_page_size}."]
    ordering = single.pop("ordering", None)
    order_by: list[str] = []
    try:
        order_by = router.order_by(None if ordering is None else ordering.split(","))
    except ValueError as exc:
        errors["ordering"] = [str(exc)]
    params, filter_errors = router.read_filters(single)
    errors.update(filter_errors)
    if errors or page is None or page_size is None:
        return None, errors
    return ListQuery(params, order_by, page, page_size), errors


def single_values(
    query: Mapping[str, Sequence[str]],
) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The parameters given once (name -> text), and errors for those given more often."""
    single: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for name, values in query.items():
        if len(values) == 1:
            single[name] = values[0]
        else:
            errors[name] = ["Give this parameter once."]
    return single, errors


def _positive(text: str, name: str, errors: dict[str, list[str]]) -> int | None:
    if not _POSITIVE_RE.match(text):
        errors[name] = ["Expected a whole number of at least 1."]
        return None
    return int(text)


def page_of(queryset: models.QuerySet[Any], query: ListQuery) -> tuple[list[Any], int, bool]:
    """The rows of ``query``'s page, the number of rows in all, and whether more follow.

    A page past the end is empty rather than an error: rows come and go between requests.
    """
    count = queryset.count()
    start = (query.page - 1) * query.page_size
    rows = list(queryset[start : start + query.page_size]) if start < count else []
    return rows, count, start + query.page_size < count
