"""Dedupe: one record per canonical URL per crawl.

Two URLs of one crawl that name the same canonical URL are one article: the second is dropped
with the reason. Across crawls the store keeps one row per canonical URL; copies under other
canonical URLs are kept and linked by the store (``duplicate_of``), never silently dropped.
"""

from __future__ import annotations

from scrapy.exceptions import DropItem


class DedupePipeline:
    def __init__(self):
        self.seen: dict[str, str] = {}   # canonical URL -> the URL it was first stored from

    def process_item(self, item, spider=None):
        first = self.seen.get(item.canonical_url)
        if first is not None and first != item.url:
            raise DropItem(f"duplicate: canonical URL {item.canonical_url} already stored "
                           f"in this crawl from {first}")
        self.seen.setdefault(item.canonical_url, item.url)
        return item
