"""How well a run spent its requests (issue 13), into the run's stats (crawl_runs.stats,
`ingest runs`): requests per new article, the share of requests that were 404/410 or dropped
pages, and the time (and requests made) to the first and to the 90th-percentile new article.

Last in ITEM_PIPELINES: it sees an item after the store pipeline counted it as new
(``ingest/articles_new``), and Scrapy closes pipelines in reverse order, so its close_spider
writes the figures before the store pipeline saves the stats.
"""

from __future__ import annotations

import math
import time

NEW = "ingest/articles_new"
PREFIX = "ingest/efficiency/"
#: responses that were wasted requests: the page is not there.
GONE_STATUSES = (404, 410)


class EfficiencyPipeline:
    def __init__(self, stats):
        self.stats = stats
        self.started = time.monotonic()
        self.seen_new = 0
        self.timeline: list[tuple[float, int]] = []  # (seconds, requests) per new article

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def open_spider(self, spider=None):
        self.started = time.monotonic()

    def process_item(self, item, spider=None):
        new = self.stats.get_value(NEW, 0)
        if new > self.seen_new:
            at = (time.monotonic() - self.started,
                  self.stats.get_value("downloader/request_count", 0))
            self.timeline.extend([at] * (new - self.seen_new))
            self.seen_new = new
        return item

    def close_spider(self, spider=None):
        for key, value in efficiency(self.stats.get_stats(), self.timeline).items():
            self.stats.set_value(PREFIX + key, value)


def efficiency(stats: dict, timeline: list[tuple[float, int]]) -> dict:
    requests = stats.get("downloader/request_count", 0)
    wasted = sum(stats.get(f"downloader/response_status_count/{s}", 0) for s in GONE_STATUSES)
    wasted += stats.get("ingest/pages/dropped", 0)
    out = {"requests": requests, "new_articles": len(timeline),
           "wasted_share": round(wasted / requests, 3) if requests else None,
           "requests_per_new_article": (round(requests / len(timeline), 2) if timeline
                                        else None)}
    if timeline:
        p90 = timeline[max(0, math.ceil(0.9 * len(timeline)) - 1)]
        out.update(first_article_s=round(timeline[0][0], 2), p90_article_s=round(p90[0], 2),
                   requests_at_p90=p90[1])
    return out
