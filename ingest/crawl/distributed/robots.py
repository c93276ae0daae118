"""robots.txt fetched once per site for all workers, and obeyed by each.

Scrapy's RobotsTxtMiddleware fetches robots.txt once per process: N workers fetched it N
times, and the coordinator's own request for its Sitemap: lines once more. Here the first
worker that needs a host's robots.txt takes a short lock in Redis, fetches it and stores the
answer (status and body, or the error); the others wait for that answer. The coordinator
clears the answers when a new crawl starts.
"""

from __future__ import annotations

import logging
import time

from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, TextResponse
from scrapy.http.request import NO_CALLBACK
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.misc import build_from_crawler
from twisted.internet.defer import Deferred

from ingest.crawl.config import setting
from ingest.crawl.distributed.frontier import connect
from ingest.crawl.distributed.keys import Keys
from ingest.crawl.meta import ROBOTS_META

logger = logging.getLogger(__name__)

# How long a worker may hold the fetch lock of one host's robots.txt (a download timeout's
# worth), and how often the others look for its answer.
LOCK_SECONDS = 60
POLL_SECONDS = 0.05


class SharedRobotsTxtMiddleware(RobotsTxtMiddleware):
    def __init__(self, crawler):
        super().__init__(crawler)
        st = crawler.settings
        self.r = connect(st.get("INGEST_REDIS_URL"))
        self.keys = Keys(setting(st, "INGEST_REDIS_PREFIX"))

    async def process_request(self, request, spider=None):
        if request.meta.get(ROBOTS_META):
            # The coordinator's request for the Sitemap: lines: answered from the shared copy.
            answer = await self.shared(request)
            if "error" in answer:
                raise IgnoreRequest(f"robots.txt: {answer['error']}")
            return TextResponse(request.url, status=int(answer["status"]), body=answer["body"],
                                headers={"Content-Type": "text/plain"}, request=request)
        return await super().process_request(request, spider)

    async def robot_parser(self, request):
        netloc = urlparse_cached(request).netloc
        if netloc not in self._parsers:
            self._parsers[netloc] = Deferred()
            answer = await self.shared(request)
            if "error" in answer:
                self._robots_error(IgnoreRequest(answer["error"]), netloc)
            else:
                rp = build_from_crawler(self._parserimpl, self.crawler, answer["body"])
                waiting = self._parsers[netloc]
                self._parsers[netloc] = rp
                waiting.callback(rp)
        parser = self._parsers[netloc]
        if isinstance(parser, Deferred):
            return await maybe_deferred_to_future(parser)
        return parser

    async def shared(self, request) -> dict:
        """{status, body} or {error} of the host's robots.txt, fetched once for all."""
        from twisted.internet import reactor, task

        url = urlparse_cached(request)
        netloc = url.netloc
        key = self.keys.robots(netloc)
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            found = self.r.hgetall(key)
            if found:
                return {k.decode(): (v if k == b"body" else v.decode()) for k, v in found.items()}
            if self.r.set(self.keys.robots_lock(netloc), "1", nx=True, ex=LOCK_SECONDS) \
                    or time.monotonic() > deadline:
                break
            await maybe_deferred_to_future(task.deferLater(reactor, POLL_SECONDS, lambda: None))
        robots = Request(f"{url.scheme}://{netloc}/robots.txt", priority=self.DOWNLOAD_PRIORITY,
                         meta={"dont_obey_robotstxt": True}, callback=NO_CALLBACK)
        self._stats.inc_value("robotstxt/request_count")
        try:
            response = await self.crawler.engine.download_async(robots)
            answer = {"status": str(response.status), "body": response.body}
        except Exception as exc:  # noqa: BLE001 - any failure means "no robots.txt", as Scrapy's
            answer = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        self.r.hset(key, mapping=answer)
        self.r.expire(key, 86400)
        return {k: v for k, v in answer.items()}
