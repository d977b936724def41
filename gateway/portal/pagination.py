"""Page links of a paginated table that keep the current filters."""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlencode

NEIGHBOUR_PAGES = 2


@dataclass(frozen=True)
class PageLink:
    """One entry of the pagination bar, an ellipsis when ``number`` is None."""

    number: int | None
    url: str | None
    current: bool = False


@dataclass(frozen=True)
class Pagination:
    """The pagination bar of one table page."""

    page: int
    total_pages: int
    links: list[PageLink]
    previous_url: str | None
    next_url: str | None


def page_numbers(current: int, total_pages: int, neighbours: int = NEIGHBOUR_PAGES) -> list[int | None]:
    """List the page numbers to show: first, last, and ``neighbours`` around ``current``, with None for a gap."""
    visible_pages = {1, total_pages, *range(current - neighbours, current + neighbours + 1)}
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(page for page in visible_pages if 1 <= page <= total_pages):
        if number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers


def build_pagination(path: str, filters: dict[str, str], page: int, page_size: int, total_rows: int) -> Pagination:
    """Build the links of the table at ``path``, each with ``filters`` and its page number."""
    total_pages = max(1, math.ceil(total_rows / page_size)) if page_size > 0 else 1

    def url_of(number: int) -> str:
        return f"{path}?{urlencode({**filters, 'page': str(number)})}"

    links = [
        PageLink(number, url_of(number), number == page) if number is not None else PageLink(None, None)
        for number in page_numbers(page, total_pages)
    ]
    return Pagination(
        page=page,
        total_pages=total_pages,
        links=links,
        previous_url=url_of(page - 1) if page > 1 else None,
        next_url=url_of(page + 1) if page < total_pages else None,
    )
