"""Crawl-run statistics that Scrapy does not keep by itself: drops by reason.

A Scrapy extension (EXTENSIONS in ingest.settings). The store pipeline saves the whole stats
dict into ``crawl_runs.stats`` when the crawl closes; ``ingest runs`` reads it back.
"""

from __future__ import annotations

import re

from scrapy import signals

DROP_PREFIX = "ingest/drops/"
# Numbers in drop reasons ("body has 12 words, fewer than 80") would make one stat per page;
# folded to N they count as one reason.
_NUMBER = re.compile(r"\d+")
# A reason may name URLs ("duplicate: canonical URL https://... already stored"); cut there.
_URL = re.compile(r"\s*\bhttps?://\S*.*$")


def reason_key(reason: str) -> str:
    reason = _URL.sub("", str(reason)).strip().rstrip(":")
    return _NUMBER.sub("N", reason)[:120] or "unknown"


class RunStats:
    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls(crawler.stats)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        return ext

    def item_dropped(self, item, response=None, exception=None, spider=None):
        self.stats.inc_value(DROP_PREFIX + reason_key(exception))
