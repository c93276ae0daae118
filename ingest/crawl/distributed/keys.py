"""The Redis keys of one distributed crawl, all under one prefix (INGEST_REDIS_PREFIX), so
that several crawls share a Redis server and a test can clean up after itself."""

from __future__ import annotations

from dataclasses import dataclass

#: Consumer group of the workers on the frontier stream, and of the coordinator on results.
WORKERS_GROUP = "workers"
COORDINATOR_GROUP = "coordinator"


@dataclass(frozen=True)
class Keys:
    prefix: str

    def frontier(self, netloc: str) -> str:   # one host's stream of requests (JSON)
        return f"{self.prefix}:frontier:{netloc}"

    @property
    def frontier_hosts(self) -> str:  # set of the hosts that have a frontier stream
        return f"{self.prefix}:frontier-hosts"

    @property
    def results(self) -> str:       # stream of results (JSON + body), read by the coordinator
        return f"{self.prefix}:results"

    @property
    def inflight(self) -> str:      # hash: request id -> request JSON, until its result is stored
        return f"{self.prefix}:inflight"

    @property
    def config(self) -> str:        # the crawl's site profiles and templates (JSON)
        return f"{self.prefix}:config"

    @property
    def done(self) -> str:          # the crawl id, set when the coordinator finished
        return f"{self.prefix}:done"

    @property
    def refused(self) -> str:       # stream of refused entries and why (capped), to inspect
        return f"{self.prefix}:refused"

    def rate(self, netloc: str) -> str:
        return f"{self.prefix}:rate:{netloc}"

    def robots(self, netloc: str) -> str:
        return f"{self.prefix}:robots:{netloc}"

    def robots_lock(self, netloc: str) -> str:
        return f"{self.prefix}:robots-lock:{netloc}"

    def all_patterns(self) -> list[str]:
        return [f"{self.prefix}:*"]
