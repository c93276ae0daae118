"""One crawled article, written whole: the record (article, authors, sections, revision), its
``pages`` row, its raw page, its block fingerprints and its duplicate sketch and links.

``write_crawled_article`` runs inside the caller's transaction (the store pipeline's batch,
``pipelines/batching.py``) on the store's one connection, so a kill at any instant leaves
each article either complete or absent: there is no commit between the article and the
rest. The article id the upsert gives is what the raw page, the fingerprints and the
duplicate links are written against.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.extract.template import PageBlock
from ingest.store import Store, site_of
from ingest.store.duplicates import link_duplicates
from ingest.store.rawpages import save_raw_page
from ingest.store.templates import record_page_blocks


@dataclass
class CrawledPage:
    """What travels with a crawled article from the spider to the store: the response as
    fetched and what extraction read from it beyond the record."""

    body: bytes                                   # the response body as fetched
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)   # rawpages.KEPT_HEADERS found
    fetched_at: str | None = None
    fingerprints: list[PageBlock] | None = None   # None: template learning is off


@dataclass(frozen=True)
class WriteOptions:
    """What the crawl keeps besides the record (settings INGEST_KEEP_RAW, INGEST_TEMPLATES,
    INGEST_DUPLICATE_SIMILARITY)."""

    keep_raw: bool = False
    learn: bool = False
    duplicate_threshold: float | None = None   # None: copies are not looked for


@dataclass
class Written:
    outcome: str                  # "new" | "updated" | "unchanged"
    article_id: int
    duplicate: dict | None = None  # {"original", "similarity"} when it copies another
    site: str | None = None       # the site whose template counts changed, if any


def write_crawled_article(store: Store, record: dict, page_row: dict, *, page: CrawledPage | None,
                          run_id: int | None, page_outcomes: dict[str, str],
                          options: WriteOptions,
                          pause: Callable[[str], None] | None = None) -> Written:
    """Write one article and everything that goes with it, in one (nested) transaction.

    ``page_row`` holds ``Store.record_page`` keywords (the outcome follows from the upsert);
    ``pause`` is the test-only hook of INGEST_TEST_WRITE_PAUSE, called between the article
    and its raw page, where a kill would have split them before."""
    with store.transaction():
        outcome, article_id = store.upsert_article(record, run_id=run_id)
        store.record_page(**page_row, outcome=page_outcomes[outcome], run_id=run_id)
        if pause is not None:
            pause(record["url"])
        written = Written(outcome, article_id)
        if page is not None:
            write_page_parts(store, record, page, options)
            if options.learn and page.fingerprints is not None:
                written.site = site_of(record["url"])
        if options.duplicate_threshold is not None:
            written.duplicate = link_duplicates(store, article_id,
                                                threshold=options.duplicate_threshold)
        return written


def write_page_parts(store: Store, record: dict, page: CrawledPage, options: WriteOptions) -> None:
    """The raw page and its fingerprints (as the options say) of a stored article."""
    url, canonical = record["url"], record.get("canonical_url")
    site = site_of(url)
    fetched_at = record.get("fetched_at") or page.fetched_at
    if options.keep_raw:
        save_raw_page(store, url, page.body, fetched_at=fetched_at, headers=page.headers,
                      status=page.status, canonical_url=canonical, site=site)
    if options.learn and page.fingerprints is not None:
        record_page_blocks(store, url, page.fingerprints, seen_at=fetched_at,
                           canonical_url=canonical, site=site)
