"""One request rate per site whatever the number of workers: a slot reservation in Redis.

Scrapy's DOWNLOAD_DELAY and AutoThrottle are per process: four workers would hit a site four
times as hard. Here each request reserves the next free slot of its host (host:port) in one
Lua script run by Redis itself, so reservations from every worker form one sequence at least
``interval`` apart, and waits for it. The clock is Redis's (TIME), so workers' clocks do not
matter. It is applied in the download handler (``worker.RateLimitedDownloadHandler``), the last
step before the connection, so no queue inside Scrapy can bunch two reserved slots together.
"""

from __future__ import annotations

import redis

from ingest.crawl.distributed.keys import Keys

# KEYS[1]: the host's next free time (ms); ARGV[1]: the interval (ms). Returns the wait (ms).
RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local nxt = tonumber(redis.call('GET', KEYS[1]) or '0')
local at = math.max(now, nxt)
local interval = tonumber(ARGV[1])
redis.call('SET', KEYS[1], at + interval, 'PX', interval + 60000)
return at - now
"""


class SiteRateLimiter:
    def __init__(self, client: redis.Redis, keys: Keys, interval: float):
        self.keys = keys
        self.interval_ms = int(round(interval * 1000))
        self.script = client.register_script(RESERVE)

    def reserve(self, netloc: str) -> float:
        """Seconds to wait before sending the next request to ``netloc`` (0: now)."""
        if self.interval_ms <= 0:
            return 0.0
        return int(self.script(keys=[self.keys.rate(netloc)], args=[self.interval_ms])) / 1000
