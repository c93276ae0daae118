"""`ingest coordinate`: run the coordinator's crawl (spiders/distributed.py CoordinatorSpider)
in this process, with the project's settings plus the coordinator's (coordinator.py)."""

from __future__ import annotations

import os
import sys

from ingest.crawl import exitstatus


def coordinate(redis_url: str, *, db: str | None = None, site: str | None = None,
               start: str | None = None, forever: bool = False, sites_file: str | None = None,
               overrides: dict | None = None) -> int:
    """Run until the frontier is empty and the workers idle (or forever); the exit status."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "ingest.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from ingest.crawl.distributed.coordinator import coordinator_settings

    settings = get_project_settings()
    if db:
        settings.set("INGEST_DB", db, priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    settings.setdict(coordinator_settings(settings, redis_url), priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler("news-coordinator")
    kwargs = {k: v for k, v in (("site", site), ("start", start), ("sites_file", sites_file))
              if v}
    if forever:
        kwargs["forever"] = True
    failures: list[BaseException] = []
    running = process.crawl(crawler, **kwargs)
    if hasattr(running, "add_done_callback"):
        running.add_done_callback(lambda t: t.cancelled() or t.exception() is None
                                  or failures.append(t.exception()))
    else:
        running.addErrback(lambda f: failures.append(f.value))
    process.start()
    if failures:
        code, line = exitstatus.startup_failure(failures[0])
        print(line, file=sys.stderr)
        return code
    if getattr(crawler, "stats", None) is None or crawler.spider is None:
        return exitstatus.NOTHING_FETCHED
    code, line = exitstatus.crawl_status(crawler.stats.get_stats())
    if line:
        print(line, file=sys.stderr)
    return code
