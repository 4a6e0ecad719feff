"""Pagination and search of long lists (the audit log, patients, sessions…): one page of a list, with links that
keep the filters of the query string."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")
PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int  # 1-based
    size: int
    total: int
    path: str
    query: Mapping[str, str] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def url(self, number: int) -> str:
        kept = {k: v for k, v in self.query.items() if v and k != "page"}
        return f"{self.path}?{urlencode({**kept, 'page': str(number)})}"


def paginate(
    items: Sequence[T], number: int | None, path: str, query: Mapping[str, str], size: int = PAGE_SIZE
) -> Page[T]:
    """The ``number``-th page of ``items`` (clamped to the existing pages)."""
    total = len(items)
    pages = max(1, -(-total // size))
    current = min(max(1, number or 1), pages)
    start = (current - 1) * size
    return Page(items[start : start + size], current, size, total, path, dict(query))


def matches(needle: str, *haystack: object) -> bool:
    """A case-insensitive search over the shown texts of a row (names, matricules, codes)."""
    wanted = needle.strip().casefold()
    return not wanted or any(wanted in str(value).casefold() for value in haystack if value is not None)
