"""The page that travels with an article item from the spider to the store pipeline.

The record schema (``ingest.items.Article``) is a contract and carries no page; the spider
attaches the ``ingest.store.crawlwrite.CrawledPage`` it extracted the article from (the raw
bytes, the headers kept with them, the template fingerprints) to the item itself, outside
its fields, so ``ItemAdapter(item).asdict()`` and feed exports are unchanged and the store
pipeline writes article and page in one transaction. Nothing is cached by URL, so nothing
is kept for a page that gives no item.
"""

from __future__ import annotations

from ingest.store.crawlwrite import CrawledPage

# An attribute, not a field: dataclasses.asdict and ItemAdapter see only fields.
ATTRIBUTE = "_ingest_crawled_page"


def attach(item, page: CrawledPage):
    object.__setattr__(item, ATTRIBUTE, page)
    return item


def carried(item) -> CrawledPage | None:
    return getattr(item, ATTRIBUTE, None)
