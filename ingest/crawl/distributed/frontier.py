"""The shared frontier and the results stream: Redis Streams with consumer groups.

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
import time

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

    def ensure_groups(self) -> None:
        for stream, group in ((self.keys.frontier, WORKERS_GROUP),
                              (self.keys.results, COORDINATOR_GROUP)):
            try:
                self.r.xgroup_create(stream, group, id="0", mkstream=True)
            except redis.ResponseError as exc:
                if "BUSYGROUP" not in str(exc):
                    raise

    # --- coordinator side -----------------------------------------------------------------
    def push(self, request_id: str, encoded: bytes) -> None:
        """Record the request as in flight and put it on the frontier, atomically."""
        pipe = self.r.pipeline(transaction=True)
        pipe.hset(self.keys.inflight, request_id, encoded)
        pipe.xadd(self.keys.frontier, {"request": encoded})
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
    def take(self, consumer: str, count: int, *, reclaim_ms: int | None):
        """[(entry id, request bytes)]: leases whose holder went silent first (when
        ``reclaim_ms`` is given), then new entries."""
        taken = []
        if reclaim_ms is not None:
            _next, claimed, *_deleted = self.r.xautoclaim(
                self.keys.frontier, WORKERS_GROUP, consumer, min_idle_time=reclaim_ms,
                start_id="0-0", count=count)
            for eid, fields in claimed:
                if fields:
                    logger.info("took over frontier entry %s from a worker whose lease ran "
                                "out", eid.decode())
                    taken.append((eid.decode(), fields))
        if len(taken) < count:
            got = self.r.xreadgroup(WORKERS_GROUP, consumer, {self.keys.frontier: ">"},
                                    count=count - len(taken))
            taken += [(eid.decode(), fields) for _s, entries in got or []
                      for eid, fields in entries]
        return [(eid, fields.get(b"request", b"")) for eid, fields in taken]

    def renew(self, consumer: str, entry_ids: list[str]) -> None:
        if entry_ids:
            self.r.xclaim(self.keys.frontier, WORKERS_GROUP, consumer, min_idle_time=0,
                          message_ids=entry_ids, justid=True)

    def complete(self, entry_id: str, result: bytes, body: bytes) -> None:
        """Send the result and release the lease, atomically."""
        pipe = self.r.pipeline(transaction=True)
        pipe.xadd(self.keys.results, {"result": result, "body": body})
        pipe.xack(self.keys.frontier, WORKERS_GROUP, entry_id)
        pipe.xdel(self.keys.frontier, entry_id)
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

    def work_waiting(self) -> bool:
        """Whether entries wait that no worker has taken (the group's lag)."""
        for group in self.r.xinfo_groups(self.keys.frontier):
            if group["name"] in (WORKERS_GROUP, WORKERS_GROUP.encode()):
                lag = group.get("lag")
                return lag is None or lag > 0
        return False

    # --- crawl state ----------------------------------------------------------------------
    def wait_config(self, timeout: float, poll: float = 0.5) -> bytes | None:
        deadline = time.monotonic() + timeout
        while True:
            data = self.r.get(self.keys.config)
            if data is not None or time.monotonic() >= deadline:
                return data
            time.sleep(poll)
