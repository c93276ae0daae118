"""Validate: is this extraction result an article? If not, drop it with the reason."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from ingest.crawl.config import setting
from ingest.extract.records import article_problem


class ValidatePipeline:
    def __init__(self, min_words: int):
        self.min_words = min_words

    @classmethod
    def from_crawler(cls, crawler):
        return cls(min_words=setting(crawler.settings, "INGEST_MIN_WORDS"))

    def process_item(self, item, spider=None):
        reason = article_problem(item, self.min_words)
        if reason:
            raise DropItem(reason)
        return item

