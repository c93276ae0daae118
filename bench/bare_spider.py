"""The floor for bench/crawl.py: a Scrapy spider whose callback does nothing.

    scrapy runspider bench/bare_spider.py -a urls=URLS_FILE -a stats=STATS_JSON

It requests every URL of URLS_FILE (one per line: the pages the real crawl reaches by
following links) and writes Scrapy's stats as JSON when it closes. Run with the project's
settings, it measures what downloading and scheduling alone cost on the same site.
"""

from __future__ import annotations

import json
from pathlib import Path

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: str, stats: str, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.urls_file = Path(urls)
        self.stats_file = Path(stats)
        # The project's network guard lets a spider reach only its sites' configured hosts;
        # this one has one site: the host of its URLs.
        from ingest.sites import SiteProfile

        first = next(line.strip() for line in self.urls_file.open() if line.strip())
        self.profiles = {"bench": SiteProfile.adhoc(first)}

    async def start(self):
        with self.urls_file.open() as f:
            for line in f:
                if line.strip():
                    yield scrapy.Request(line.strip(), callback=self.parse)

    def parse(self, response, **kwargs):
        return None

    def closed(self, reason):
        stats = self.crawler.stats.get_stats()
        self.stats_file.write_text(json.dumps(stats, default=str))
