"""Following FHIR searchset ``next`` links safely and merging the pages into one Bundle.

A ``next`` URL is used as an opaque absolute URL: it already carries ``startIndex`` and ``_count``,
so the first request's parameters are never re-sent with it (the official SDK does, and loops
forever). A link must stay on the origin we started from (a token must not leak to another
host), may not repeat (a server bug would otherwise loop), and the number of pages is capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import ApiError

DEFAULT_PAGE_CAP = 1000


def origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


def link_url(bundle: Mapping[str, Any], relation: str) -> str | None:
    for link in bundle.get("link") or ():
        if isinstance(link, Mapping) and link.get("relation") == relation:
            url = link.get("url")
            return url if isinstance(url, str) and url else None
    return None


class PageWalker:
    """Decides which URL to fetch next and refuses unsafe or endless paging."""

    def __init__(self, first_url: str, *, page_cap: int = DEFAULT_PAGE_CAP) -> None:
        self.first_url = first_url
        self.origin = origin(first_url)
        self.page_cap = page_cap
        self.seen: set[str] = set()
        self.pages = 0

    def visit(self, url: str) -> None:
        """Record that ``url`` is about to be fetched."""
        if url in self.seen:
            raise ApiError("paging loop: next link repeats an earlier page", status=0, url=url)
        if self.pages >= self.page_cap:
            raise ApiError(
                f"more than {self.page_cap} pages; stopped (raise the page cap if this is real)",
                status=0,
                url=url,
            )
        self.seen.add(url)
        self.pages += 1

    def next_url(self, bundle: Mapping[str, Any], current_url: str) -> str | None:
        """The next page's absolute URL, or ``None`` on the last page."""
        if bundle.get("resourceType") != "Bundle" or bundle.get("type") != "searchset":
            return None
        raw = link_url(bundle, "next")
        if raw is None:
            return None
        url = urljoin(current_url, raw)
        if origin(url) != self.origin:
            raise ApiError(
                f"next link leaves the server's origin ({urlsplit(url).netloc}); refusing to "
                "send the token there",
                status=0,
                url=current_url,
            )
        return url


def merge_pages(pages: Iterable[Mapping[str, Any]], *, self_url: str) -> dict[str, Any]:
    """One searchset Bundle holding every page's entries; ``total`` is the entry count."""
    entries: list[Any] = []
    first: Mapping[str, Any] | None = None
    for page in pages:
        first = first or page
        entries.extend(page.get("entry") or ())
    merged: dict[str, Any] = {"resourceType": "Bundle"}
    if first is not None and first.get("id"):
        merged["id"] = first["id"]
    if first is not None and first.get("meta"):
        merged["meta"] = first["meta"]
    merged["type"] = "searchset"
    merged["total"] = len(entries)
    merged["link"] = [{"relation": "self", "url": self_url}]
    merged["entry"] = entries
    return merged
