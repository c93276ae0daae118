"""`scrapy crawl news`: Scrapy's crawl command, exiting with the status components asked
for during the crawl (``ingest.crawl.exitstatus``), e.g. 2 when the database could not be
written. Scrapy's own command exits 0 whatever happened after start-up."""

from __future__ import annotations

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from ingest.crawl import exitstatus


class Command(ScrapyCrawl):
    def run(self, args, opts) -> None:
        if len(args) != 1:
            raise UsageError("give one spider: scrapy crawl news")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        elif getattr(crawler, "stats", None) is not None:
            self.exitcode = exitstatus.crawl_status(crawler.stats.get_stats())
