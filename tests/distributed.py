"""Helpers for the distributed crawl's tests: a real Redis (127.0.0.1:6379, one key prefix per
test, deleted after), the coordinator and workers as real subprocesses, and small news sites
on 127.0.0.x addresses."""

from __future__ import annotations

import contextlib
import json
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis

from ingest.items import ARTICLE_FIELDS

from .servers import PROJECT_ROOT, TestSite, article_html, crawl_env, listing_html

REDIS_URL = "redis://127.0.0.1:6379/0"
# Fast test crawls: no politeness delay against our own servers, short leases.
FAST = {"AUTOTHROTTLE_ENABLED": "False", "DOWNLOAD_DELAY": "0",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "8", "LOG_LEVEL": "INFO",
        "INGEST_REDIS_LEASE_SECONDS": "2", "INGEST_STORE_FLUSH_SECONDS": "0.2"}
# Export fields that say when, not what: a distributed and a local crawl differ there only.
TIME_FIELDS = ("fetched_at", "first_seen_at", "updated_at")


def redis_client() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError as exc:  # .ci/run starts one; a developer's machine must too
        pytest.fail(f"no Redis on 127.0.0.1:6379 ({exc}): start it with "
                    f"redis-server --daemonize yes --save '' --appendonly no")
    return client


class Cluster:
    """One distributed crawl: its key prefix, database, sites file, and processes."""

    def __init__(self, tmp: Path, sites_file: Path, db: Path | None = None,
                 settings: dict | None = None, redis_url: str = REDIS_URL):
        self.prefix = f"test-{uuid.uuid4().hex[:10]}"
        self.tmp = tmp
        self.sites_file = sites_file
        self.db = db or tmp / "dist.db"
        self.settings = {**FAST, "INGEST_REDIS_PREFIX": self.prefix, **(settings or {})}
        self.redis_url = redis_url
        self.r = redis_client() if redis_url == REDIS_URL else redis.Redis.from_url(redis_url)
        self.procs: list[subprocess.Popen] = []
        self.logs: dict[subprocess.Popen, Path] = {}

    def _spawn(self, cmd: list[str], name: str) -> subprocess.Popen:
        log = self.tmp / f"{name}-{len(self.procs)}.log"
        out = open(log, "w")
        proc = subprocess.Popen(cmd, env=crawl_env(), cwd=PROJECT_ROOT, stdout=out,
                                stderr=subprocess.STDOUT, text=True)
        out.close()
        self.procs.append(proc)
        self.logs[proc] = log
        return proc

    def _settings(self, extra) -> list[str]:
        args = []
        for key, value in {**self.settings, **(extra or {})}.items():
            args += ["-s", f"{key}={value}"]
        return args

    def coordinator(self, *args: str, settings: dict | None = None) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "ingest.cli", "coordinate", "--redis", self.redis_url,
               "--db", str(self.db), "--sites-file", str(self.sites_file), *args,
               *self._settings(settings)]
        return self._spawn(cmd, "coordinator")

    def worker(self, settings: dict | None = None) -> subprocess.Popen:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "news", "-s",
               f"INGEST_REDIS_URL={self.redis_url}", *self._settings(settings)]
        return self._spawn(cmd, "worker")

    def log(self, proc) -> str:
        return self.logs[proc].read_text()

    def wait(self, proc, timeout: float = 90) -> int:
        try:
            return proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            pytest.fail(f"{self.logs[proc].name} did not finish in {timeout}s:\n"
                        f"{self.log(proc)[-3000:]}")

    def kill(self, proc) -> None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()

    def key(self, name: str) -> str:
        return f"{self.prefix}:{name}"

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if self.redis_url != REDIS_URL:
            return   # a Redis of the test's own, gone with it
        keys = list(self.r.scan_iter(match=f"{self.prefix}:*"))
        if keys:
            self.r.delete(*keys)


def stat(log: str, name: str) -> int:
    """A counter from the stats Scrapy dumps at the end of a log (0 when absent)."""
    for line in log.splitlines():
        line = line.strip()
        if line.startswith(f"'{name}':"):
            return int(line.split(":", 1)[1].strip().rstrip(",}"))
    return 0


def news_site(host: str, name: str, articles: int, *, published: str = "2024-03-01T10:00:00Z"
              ) -> TestSite:
    """A listing page, a second listing, an RSS feed and ``articles`` article pages (dated
    long ago: outside the recheck window, so a second crawl does not refetch them)."""
    site = TestSite(host)
    paths = [f"/news/{name}-story-{i}.html" for i in range(articles)]
    half = len(paths) // 2
    site.set("/", listing_html(f"{name} home", tuple(paths[:half]) + ("/more.html",),
                               feeds=(("application/rss+xml", "/feed.xml"),)))
    site.set("/more.html", listing_html(f"{name} more", tuple(paths[half:])))
    site.set("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    for i, path in enumerate(paths):
        site.set(path, article_html(f"{name} story number {i} about chips", published=published,
                                    body=f"{name} {i}", links=("/private/secret.html",)))
    site.paths = paths
    return site


def sites_toml(path: Path, sites: dict[str, TestSite]) -> Path:
    lines = []
    for name, site in sites.items():
        lines += [f"[sites.{name}]", f'start_urls = ["{site.url("/")}"]', ""]
    path.write_text("\n".join(lines))
    return path


def exported(db: Path) -> list[dict]:
    """The articles as `ingest export` writes them, without the fields that are times of
    the crawl, sorted by URL."""
    out = subprocess.run([sys.executable, "-m", "ingest.cli", "export", "--db", str(db),
                          "--format", "jsonl", "--out", "-"], env=crawl_env(), cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=60, check=True).stdout
    records = [json.loads(line) for line in out.splitlines() if line.strip()]
    for rec in records:
        assert set(ARTICLE_FIELDS) <= set(rec)
        for name in TIME_FIELDS:
            rec.pop(name, None)
    return sorted(records, key=lambda r: r["url"])


def wait_until(cond, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)






@contextlib.contextmanager
def tls_redis(tmp: Path, password: str):
    """A Redis of this test's own that takes only TLS connections with ``password``: yields
    its rediss:// URL (trusting the self-signed certificate made here)."""
    cert, key = tmp / "redis.crt", tmp / "redis.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(["redis-server", "--port", "0", "--tls-port", str(port),
                             "--bind", "127.0.0.1", "--tls-cert-file", str(cert),
                             "--tls-key-file", str(key), "--tls-ca-cert-file", str(cert),
                             "--tls-auth-clients", "no", "--requirepass", password,
                             "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"rediss://:{password}@127.0.0.1:{port}/0?ssl_ca_certs={cert}"
    try:
        client = redis.Redis.from_url(url)
        wait_until(lambda: _answers(client), timeout=10, what="the TLS Redis to start")
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _answers(client) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False
