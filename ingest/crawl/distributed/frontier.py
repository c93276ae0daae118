"""The shared frontier and the results stream: Redis Streams with consumer groups.

There is one stream per host (host:port), so that a worker picks the host whose rate-limit
slot comes soonest (``take``) instead of the head of one queue: with a single FIFO, a run of
one site's links filled every worker's slots with requests all waiting for that site's turn.

A worker takes a request with XREADGROUP: the entry stays in the group's pending list, leased
to that worker, until the worker has sent the result (``complete``: the result added and the
request acknowledged in one MULTI). A worker killed with SIGKILL leaves its entries pending;
once one has been idle longer than the lease (INGEST_REDIS_LEASE_SECONDS) another worker takes
it over with XAUTOCLAIM, so nothing it had taken is lost. A live worker renews the leases of
what it is still fetching (``renew``), so a slow page is not fetched twice.

Results work the same way towards the coordinator: it acknowledges (and deletes) a result only
after what came of it is committed to SQLite (``ack_result``); killed before, it reads the
result again when it restarts. The coordinator's own record of what it sent is the inflight
hash, so a restarted coordinator knows which requests are still out.
"""

from __future__ import annotations

import logging
import random
import time
from urllib.parse import urlsplit

import redis

from ingest.crawl.distributed.keys import COORDINATOR_GROUP, WORKERS_GROUP, Keys

logger = logging.getLogger(__name__)

# Refused entries kept for an operator to look at (XADD MAXLEN ~): the newest thousand.
REFUSED_KEPT = 1000


def connect(url: str) -> redis.Redis:
    """A client for ``url`` (redis://, rediss:// with TLS, a password in the URL)."""
    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10,
                                  health_check_interval=30)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise redis.ConnectionError(
            f"cannot reach Redis at {redact(url)} ({exc}); start redis-server or fix "
            f"INGEST_REDIS_URL / --redis") from exc
    return client


def redact(url: str) -> str:
    """The URL without its password, for logs."""
    if "@" in url:
        scheme, _, rest = url.partition("://")
        return f"{scheme}://***@{rest.rpartition('@')[2]}"
    return url


class Frontier:
    def __init__(self, client: redis.Redis, keys: Keys):
        self.r = client
        self.keys = keys
        self._hosts: set[str] = set()

    def ensure_groups(self) -> None:
        self._group(self.keys.results, COORDINATOR_GROUP)

    def _group(self, stream: str, group: str) -> None:
        try:
            self.r.xgroup_create(stream, group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise

    def add_host(self, netloc: str) -> str:
        """The host's frontier stream, created with the workers' group when new."""
        stream = self.keys.frontier(netloc)
        if netloc not in self._hosts:
            self._group(stream, WORKERS_GROUP)
            self.r.sadd(self.keys.frontier_hosts, netloc)
            self._hosts.add(netloc)
        return stream

    def hosts(self) -> list[str]:
        return sorted(h.decode() for h in self.r.smembers(self.keys.frontier_hosts))

    def clear(self) -> None:
        """A fresh crawl: every frontier stream, the results and the end mark deleted."""
        for netloc in self.hosts():
            self.r.delete(self.keys.frontier(netloc))
        self.r.delete(self.keys.frontier_hosts, self.keys.results, self.keys.done)
        self._hosts.clear()

    # --- coordinator side -----------------------------------------------------------------
    def push(self, request_id: str, encoded: bytes, url: str) -> None:
        """Record the request as in flight and put it on its host's stream, atomically."""
        stream = self.add_host(urlsplit(url).netloc.lower())
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.keys.inflight, request_id, encoded)
        pipe.xadd(stream, {"request": encoded})
        pipe.execute()

    def inflight(self) -> dict[str, bytes]:
        return {k.decode(): v for k, v in self.r.hgetall(self.keys.inflight).items()}

    def read_results(self, consumer: str, *, pending: bool, count: int):
        """[(entry id, fields)]: this consumer's unacknowledged results first (after a
        restart), then new ones."""
        got = self.r.xreadgroup(COORDINATOR_GROUP, consumer, {self.keys.results:
                                                              "0" if pending else ">"},
                                count=count)
        return [(eid.decode(), fields) for _stream, entries in got or [] for eid, fields
                in entries if fields]

    def ack_result(self, entry_id: str, request_id: str | None) -> None:
        pipe = self.r.pipeline(transaction=True)
        pipe.xack(self.keys.results, COORDINATOR_GROUP, entry_id)
        pipe.xdel(self.keys.results, entry_id)
        if request_id:
            pipe.hdel(self.keys.inflight, request_id)
        pipe.execute()

    def backlog(self) -> int:
        """Requests not yet taken by any worker plus those taken and not completed."""
        return self.r.hlen(self.keys.inflight)

    # --- worker side ----------------------------------------------------------------------
    def take(self, consumer: str, *, reclaim_ms: int | None, busy=None):
        """[(stream, entry id, request bytes, deliveries)], at most one: a lease whose
        holder went silent first (when ``reclaim_ms`` is given, with how many workers have
        taken it), else a new entry of the host this worker holds fewest leases of
        (``busy``: stream -> count) and, among those, whose rate-limit slot comes soonest."""
        hosts = self.hosts()
        if reclaim_ms is not None:
            for netloc in hosts:
                stream = self.keys.frontier(netloc)
                _next, claimed, *_deleted = self.r.xautoclaim(
                    stream, WORKERS_GROUP, consumer, min_idle_time=reclaim_ms,
                    start_id="0-0", count=1)
                for eid, fields in claimed:
                    if not fields:
                        continue
                    pending = self.r.xpending_range(stream, WORKERS_GROUP, min=eid, max=eid,
                                                    count=1)
                    deliveries = pending[0]["times_delivered"] if pending else 1
                    logger.info("took over frontier entry %s from a worker whose lease ran "
                                "out (taken %d times)", eid.decode(), deliveries)
                    return [(stream, eid.decode(), fields.get(b"request", b""), deliveries)]
        hosts = [h for h, lag in zip(hosts, self._lags(hosts)) if lag]
        if not hosts:
            return []
        # Soonest free slot first (ratelimit.SiteRateLimiter's keys), ties in random order.
        slots = self.r.mget([self.keys.rate(h) for h in hosts])
        busy = busy or {}
        order = sorted(zip(hosts, slots), key=lambda hs: (
            busy.get(self.keys.frontier(hs[0]), 0), int(hs[1] or 0), random.random()))
        for netloc, _slot in order:
            stream = self.keys.frontier(netloc)
            got = self.r.xreadgroup(WORKERS_GROUP, consumer, {stream: ">"}, count=1)
            for _s, entries in got or []:
                for eid, fields in entries:
                    return [(stream, eid.decode(), fields.get(b"request", b""), 1)]
        return []

    def renew(self, consumer: str, leases: list[tuple[str, str]]) -> None:
        by_stream: dict[str, list[str]] = {}
        for stream, eid in leases:
            by_stream.setdefault(stream, []).append(eid)
        for stream, ids in by_stream.items():
            self.r.xclaim(stream, WORKERS_GROUP, consumer, min_idle_time=0, message_ids=ids,
                          justid=True)

    def complete(self, stream: str, entry_id: str, result: bytes, body: bytes) -> None:
        """Send the result and release the lease, atomically."""
        pipe = self.r.pipeline(transaction=True)
        pipe.xadd(self.keys.results, {"result": result, "body": body})
        pipe.xack(stream, WORKERS_GROUP, entry_id)
        pipe.xdel(stream, entry_id)
        pipe.execute()

    def refuse(self, stream: str, group: str, entry_id: str, fields: dict, reason: str) -> None:
        """Take a malformed or hostile entry out of ``stream``, keeping a copy and the reason."""
        logger.error("refused entry %s of %s: %s", entry_id, stream, reason)
        pipe = self.r.pipeline(transaction=True)
        pipe.xadd(self.keys.refused, {"stream": stream, "id": entry_id, "reason": reason,
                                      **{f"field:{k.decode(errors='replace')}": v
                                         for k, v in fields.items()}},
                  maxlen=REFUSED_KEPT, approximate=True)
        pipe.xack(stream, group, entry_id)
        pipe.xdel(stream, entry_id)
        pipe.execute()

    def _lags(self, hosts: list[str]) -> list[bool]:
        """For each host, whether its stream has entries no worker has taken (one round
        trip for all)."""
        pipe = self.r.pipeline(transaction=False)
        for netloc in hosts:
            pipe.xinfo_groups(self.keys.frontier(netloc))
        found = []
        for groups in pipe.execute():
            lag = next((g.get("lag") for g in groups
                        if g["name"] in (WORKERS_GROUP, WORKERS_GROUP.encode())), 0)
            found.append(lag is None or lag > 0)
        return found

    def work_waiting(self) -> bool:
        """Whether entries wait that no worker has taken (the groups' lag)."""
        return any(self._lags(self.hosts()))

    def leased(self) -> int:
        """Entries taken by some worker and not yet completed (theirs may have died)."""
        return sum(int(self.r.xpending(self.keys.frontier(h), WORKERS_GROUP)["pending"])
                   for h in self.hosts())

    # --- crawl state ----------------------------------------------------------------------
    def wait_config(self, timeout: float, poll: float = 0.5) -> bytes | None:
        deadline = time.monotonic() + timeout
        while True:
            data = self.r.get(self.keys.config)
            if data is not None or time.monotonic() >= deadline:
                return data
            time.sleep(poll)
