"""`scrapy crawl news`, with an exit status that says how the crawl went.

Scrapy's own crawl command, plus: a start-up mistake (bad sites.toml, unknown site, bad
start URL, held lock, unusable database) is one line naming the fix instead of an asyncio
"Task exception was never retrieved" traceback; the exit status is ``ingest.crawl.exitstatus``'s
(0 done, 1 nothing fetched, 2 usage or configuration error).
"""

from __future__ import annotations

import sys

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from ingest.crawl import exitstatus


class Command(ScrapyCrawl):
    def long_desc(self) -> str:
        return ("Run a spider of the current project. Exit status: 0 done, 1 nothing could "
                "be fetched (or the crawl lock is held), 2 usage or configuration error.")

    def run(self, args, opts) -> None:
        if len(args) < 1:
            raise UsageError
        if len(args) > 1:
            raise UsageError("running 'scrapy crawl' with more than one spider is not supported")
        assert self.crawler_process
        crawler = self._create_crawler(args[0])
        failures: list[BaseException] = []

        def keep_asyncio(task):
            if not task.cancelled() and task.exception() is not None:  # retrieved: no warning
                failures.append(task.exception())

        def keep_twisted(failure):
            failures.append(failure.value)

        running = self.crawler_process.crawl(crawler, **opts.spargs)
        if hasattr(running, "add_done_callback"):
            running.add_done_callback(keep_asyncio)
        else:
            running.addErrback(keep_twisted)
        self.crawler_process.start()
        if failures:
            self.exitcode, line = exitstatus.startup_failure(failures[0])
            print(line, file=sys.stderr)
            return
        if getattr(crawler, "stats", None) is None or crawler.spider is None:
            self.exitcode = 1 if self.crawler_process.bootstrap_failed else 0
            return
        self.exitcode, line = exitstatus.crawl_status(crawler.stats.get_stats())
        if line:
            print(line, file=sys.stderr)
