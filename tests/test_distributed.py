"""Crawling from several machines (issue 14), against the real thing: Redis on 127.0.0.1,
`ingest coordinate` and `scrapy crawl news -s INGEST_REDIS_URL=` workers as subprocesses,
sites on 127.0.0.x, SQLite files."""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest

from .distributed import Cluster, exported, news_site, sites_toml, stat, tls_redis, wait_until
from .servers import crawl

ARTICLES = 10


@pytest.fixture
def two_sites(tmp_path):
    sites = {"alpha": news_site("127.0.0.2", "alpha", ARTICLES),
             "beta": news_site("127.0.0.3", "beta", ARTICLES)}
    for site in sites.values():
        site.start()
    yield sites, sites_toml(tmp_path / "sites.toml", sites)
    for site in sites.values():
        site.stop()


@pytest.fixture
def cluster_factory(tmp_path):
    made = []

    def make(sites_file, **kwargs):
        cluster = Cluster(tmp_path, sites_file, **kwargs)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.close()


def _rows(db, sql, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def test_two_workers_store_the_records_of_a_single_process_crawl(tmp_path, two_sites,
                                                                  cluster_factory):
    sites, sites_file = two_sites
    local_db = tmp_path / "local.db"
    local = crawl(local_db, sites_file=sites_file)
    assert local.returncode == 0, local.stderr[-3000:]
    for site in sites.values():
        site.reset_counts()
        # Each page answers after 0.1 s and a worker holds 2 requests at a time, so one worker
        # cannot drain the frontier before the other takes its share, however fast the machine.
        site.delays["/"] = 0.1

    cluster = cluster_factory(sites_file)
    workers = [cluster.worker({"CONCURRENT_REQUESTS": "2"}) for _ in range(2)]
    wait_until(lambda: all("waiting for work" in cluster.log(w) for w in workers), timeout=60,
               what="both workers to be up")
    coordinator = cluster.coordinator()
    assert cluster.wait(coordinator) == 0, cluster.log(coordinator)[-3000:]
    for w in workers:
        assert cluster.wait(w) == 0, cluster.log(w)[-3000:]

    assert exported(cluster.db) == exported(local_db)
    assert len(exported(cluster.db)) == 2 * ARTICLES
    # Both workers fetched, and the coordinator fetched nothing itself.
    fetched = [stat(cluster.log(w), "ingest/worker/results") for w in workers]
    assert all(n > 0 for n in fetched), fetched
    assert sum(fetched) == stat(cluster.log(coordinator), "ingest/coordinator/results")
    # robots.txt once per site for every worker and the coordinator's Sitemap: lookup.
    for site in sites.values():
        assert site.count("/robots.txt") == 1
        assert site.count("/private/secret.html") == 0      # obeyed
    # Nothing left in Redis but the crawl's configuration and its end.
    assert cluster.r.hlen(cluster.key("inflight")) == 0
    assert cluster.r.xlen(cluster.key("results")) == 0
    assert all(cluster.r.xlen(cluster.key(f"frontier:{h.decode()}")) == 0
               for h in cluster.r.smembers(cluster.key("frontier-hosts")))
    # The same pages rows as the local crawl (outcome per URL).
    pages = "select url, outcome, status from pages order by url"
    assert _rows(cluster.db, pages) == _rows(local_db, pages)


@pytest.fixture
def one_site(tmp_path):
    site = news_site("127.0.0.4", "gamma", ARTICLES)
    site.start()
    yield site, sites_toml(tmp_path / "sites.toml", {"gamma": site})
    site.release()
    site.stop()


def test_a_worker_killed_mid_crawl_loses_nothing(one_site, cluster_factory):
    site, sites_file = one_site
    site.hold("/news/", after=2)       # two articles answered, then the rest hang
    cluster = cluster_factory(sites_file)
    coordinator = cluster.coordinator()
    doomed = cluster.worker()
    wait_until(lambda: sum(p.startswith("/news/") for p, _ in site.arrivals) >= 4,
               timeout=60, what="the first worker to take held requests")
    cluster.kill(doomed)               # SIGKILL with requests taken and unanswered
    held = {p for p, _ in site.arrivals if p.startswith("/news/")}
    site.release()
    rescuer = cluster.worker()
    assert cluster.wait(coordinator) == 0, cluster.log(coordinator)[-3000:]
    assert cluster.wait(rescuer) == 0, cluster.log(rescuer)[-3000:]

    stored = _rows(cluster.db, "select url from articles order by url")
    assert sorted(u for (u,) in stored) == sorted(site.url(p) for p in site.paths)
    assert _rows(cluster.db, "select count(*) from revisions") == [(ARTICLES,)]
    # What the killed worker had taken came back after its lease and was fetched again.
    assert "took over frontier entry" in cluster.log(rescuer)
    refetched = [p for p in held if sum(q == p for q, _ in site.arrivals) >= 2]
    assert refetched, held
    assert cluster.r.hlen(cluster.key("inflight")) == 0


def test_the_coordinator_killed_and_restarted_resumes(tmp_path, one_site, cluster_factory):
    site, sites_file = one_site
    # Slow enough that the kill lands mid-crawl on a fast machine too: two workers with one
    # request each at a time, 1 s a page, stored in batches flushed every 0.2 s.
    site.delays["/news/"] = 1.0
    cluster = cluster_factory(sites_file, settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "1"})
    first = cluster.coordinator()
    workers = [cluster.worker(), cluster.worker()]

    def stored() -> int:
        if not cluster.db.exists():
            return 0
        try:
            return _rows(cluster.db, "select count(*) from articles")[0][0]
        except sqlite3.OperationalError:   # not migrated yet
            return 0

    wait_until(lambda: stored() >= 2, timeout=60, what="two articles stored")
    cluster.kill(first)
    assert stored() < ARTICLES
    second = cluster.coordinator()
    assert cluster.wait(second) == 0, cluster.log(second)[-3000:]
    for w in workers:
        assert cluster.wait(w) == 0, cluster.log(w)[-3000:]

    assert "requests still out on the frontier" in cluster.log(second)
    urls = sorted(u for (u,) in _rows(cluster.db, "select url from articles"))
    assert urls == sorted(site.url(p) for p in site.paths)
    assert _rows(cluster.db, "select count(*) from revisions") == [(ARTICLES,)]
    # The same records as a single-process crawl of the site.
    for s in (site,):
        s.delays.clear()
    local_db = tmp_path / "local.db"
    assert crawl(local_db, sites_file=sites_file).returncode == 0
    assert exported(cluster.db) == exported(local_db)
    assert cluster.r.hlen(cluster.key("inflight")) == 0
    assert cluster.r.xlen(cluster.key("results")) == 0


def _gaps(site) -> list[float]:
    times = sorted(t for _p, t in site.arrivals)
    return [b - a for a, b in zip(times, times[1:])]


@pytest.mark.parametrize("workers", [1, 3])
def test_one_request_rate_per_site_whatever_the_number_of_workers(one_site, cluster_factory,
                                                                  workers):
    site, sites_file = one_site
    interval = 0.3
    cluster = cluster_factory(sites_file, settings={"DOWNLOAD_DELAY": str(interval),
                                                    "RANDOMIZE_DOWNLOAD_DELAY": "False",
                                                    "CONCURRENT_REQUESTS": "1"})
    procs = [cluster.worker() for _ in range(workers)]
    wait_until(lambda: all("waiting for work" in cluster.log(w) for w in procs), timeout=60,
               what="every worker to be up")          # so that each can take part
    coordinator = cluster.coordinator()
    assert cluster.wait(coordinator) == 0, cluster.log(coordinator)[-3000:]
    for w in procs:
        assert cluster.wait(w) == 0, cluster.log(w)[-3000:]
    fetched = [stat(cluster.log(w), "ingest/worker/results") for w in procs]
    assert all(n > 0 for n in fetched), fetched        # every worker took part
    gaps = _gaps(site)
    assert len(gaps) >= ARTICLES
    # The server saw one request per interval: never two within two thirds of it (scheduling
    # jitter), and on average the full interval. Three unlimited workers would send three.
    assert min(gaps) >= interval * 2 / 3, gaps
    assert sum(gaps) / len(gaps) >= interval * 0.95, gaps


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, (f"touch {_Evil.marker}",))


def _one_site_frontier(cluster, site) -> str:
    """The frontier of crawl "c1" with the one site "gamma" configured, as the coordinator
    leaves it before any request is queued; returns the site's host stream."""
    import dataclasses
    import json

    from ingest.crawl.distributed.frontier import Frontier
    from ingest.crawl.distributed.keys import Keys
    from ingest.sites import SiteProfile

    frontier = Frontier(cluster.r, Keys(cluster.prefix))
    frontier.ensure_groups()
    stream = frontier.add_host(urlsplit(site.base_url).netloc)
    profile = SiteProfile(name="gamma", start_urls=[site.url("/")])
    cluster.r.set(cluster.key("config"), json.dumps(
        {"crawl": "c1", "profiles": {"gamma": dataclasses.asdict(profile)}, "templates": {}}))
    return stream


def test_a_hostile_entry_in_the_frontier_is_refused_not_executed(tmp_path, one_site,
                                                                   cluster_factory):
    import json
    import pickle

    from ingest.crawl.distributed import codec

    site, sites_file = one_site
    cluster = cluster_factory(sites_file)
    stream = _one_site_frontier(cluster, site)
    _Evil.marker = tmp_path / "pwned"

    def wire(**changes) -> bytes:
        base = {"v": 1, "id": "r1", "crawl": "c1", "url": site.url(site.paths[0]),
                "callback": "parse", "meta": {"ingest_site": "gamma"}}
        return json.dumps({**base, **changes}).encode()

    hostile = [
        pickle.dumps(_Evil()),                                      # code on unpickling
        pickle.dumps({"url": site.url("/"), "callback": "parse"}),  # scrapy-redis's format
        wire(url="file:///etc/passwd"),
        wire(callback="__import__('os').system"),
        wire(meta={"ingest_site": "gamma", "proxy": "http://127.0.0.9:1"}),
        wire(headers={"X-A": ["a\r\nHost: elsewhere"]}),
        wire(method="DELETE"),
        b"{not json",
    ]
    for data in hostile:
        cluster.r.xadd(stream, {"request": data})
    good = codec.WireRequest(id="good", crawl="c1", url=site.url(site.paths[1]),
                             callback="parse", meta={"ingest_site": "gamma"})
    cluster.r.xadd(stream, {"request": codec.encode_request(good)})
    cluster.r.set(cluster.key("done"), "c1")      # no coordinator: stop when the queue is empty

    worker = cluster.worker()
    assert cluster.wait(worker, timeout=60) == 0, cluster.log(worker)[-3000:]

    assert not _Evil.marker.exists()
    refused = cluster.r.xrange(cluster.key("refused"))
    assert len(refused) == len(hostile)
    reasons = [fields[b"reason"].decode() for _id, fields in refused]
    assert any("not UTF-8" in r for r in reasons), reasons
    assert any("not http(s)" in r for r in reasons), reasons
    assert any("callback" in r for r in reasons), reasons
    assert any("proxy" in r for r in reasons), reasons
    assert any("line break" in r for r in reasons), reasons
    assert cluster.log(worker).count("refused entry") == len(hostile)
    # The server saw only the one good request (and robots.txt).
    assert {p for p, _ in site.arrivals} == {"/robots.txt", site.paths[1]}
    results = [codec.decode_result(f[b"result"]) for _id, f in
               cluster.r.xrange(cluster.key("results"))]
    good_result = [r for r in results if r.id == "good"]
    assert len(good_result) == 1 and good_result[0].page.article is not None
    assert good_result[0].page.article["headline"].startswith("gamma story number 1")
    # Entries that claimed the id r1 were answered with a failure, for a coordinator waiting.
    assert {r.failure["type"] for r in results if r.id == "r1"} == {"RefusedEntry"}


def test_a_second_distributed_crawl_fetches_only_what_the_revisit_policy_says(
        tmp_path, one_site, cluster_factory):
    site, sites_file = one_site
    local_db = tmp_path / "local.db"
    assert crawl(local_db, sites_file=sites_file).returncode == 0
    site.reset_counts()
    assert crawl(local_db, sites_file=sites_file).returncode == 0
    local_again = site.counts()
    site.reset_counts()

    for round_ in range(2):
        cluster = cluster_factory(sites_file, db=tmp_path / "dist.db")
        coordinator = cluster.coordinator()
        worker = cluster.worker()
        assert cluster.wait(coordinator) == 0, cluster.log(coordinator)[-3000:]
        assert cluster.wait(worker) == 0, cluster.log(worker)[-3000:]
        if round_ == 0:
            assert {site.url(p) for p in site.paths} == {
                u for (u,) in _rows(cluster.db, "select url from articles")}
            site.reset_counts()
    again = site.counts()
    assert not [p for p in again if p.startswith("/news/")], again   # no article refetched
    # The same requests as a second single-process crawl (robots.txt: once here, while a
    # local crawl asks for it twice, for its rules and for its Sitemap: lines).
    again.pop("/robots.txt", None)
    local_again.pop("/robots.txt", None)
    assert again == local_again


def test_a_redis_with_tls_and_a_password_works(tmp_path, one_site, cluster_factory):
    site, sites_file = one_site
    with tls_redis(tmp_path, "s3cret-pass") as url:
        wrong = cluster_factory(sites_file, redis_url=url.replace("s3cret-pass", "wrong"),
                                db=tmp_path / "wrong.db")
        refused = wrong.coordinator()
        assert wrong.wait(refused) == 2
        line = wrong.log(refused).strip().splitlines()[-1]
        assert line.startswith("error:") and "cannot reach Redis" in line, line
        assert "s3cret" not in line and "wrong" not in line    # no password in the log
        cluster = cluster_factory(sites_file, redis_url=url)
        coordinator = cluster.coordinator()
        worker = cluster.worker()
        assert cluster.wait(coordinator) == 0, cluster.log(coordinator)[-3000:]
        assert cluster.wait(worker) == 0, cluster.log(worker)[-3000:]
    urls = {u for (u,) in _rows(cluster.db, "select url from articles")}
    assert urls == {site.url(p) for p in site.paths}


def test_forever_seeds_the_frontier_again(one_site, cluster_factory):
    import signal

    site, sites_file = one_site
    cluster = cluster_factory(sites_file, settings={"INGEST_REDIS_RESEED_SECONDS": "1"})
    coordinator = cluster.coordinator("--forever")
    worker = cluster.worker()
    wait_until(lambda: site.count("/") >= 3, timeout=60, what="the start page seeded 3 times")
    assert coordinator.poll() is None and worker.poll() is None    # both still running
    coordinator.send_signal(signal.SIGTERM)
    cluster.wait(coordinator)
    assert "seeded the frontier again" in cluster.log(coordinator)
    urls = {u for (u,) in _rows(cluster.db, "select url from articles")}
    assert urls == {site.url(p) for p in site.paths}
    # Stored articles are not due again: each fetched once across the rounds.
    assert all(site.count(p) == 1 for p in site.paths), site.counts()


def test_a_request_whose_every_taker_died_is_given_up_not_handed_on(one_site,
                                                                    cluster_factory):
    from ingest.crawl.distributed import codec
    from ingest.crawl.distributed.keys import WORKERS_GROUP

    site, sites_file = one_site
    cluster = cluster_factory(sites_file, settings={"INGEST_REDIS_LEASE_SECONDS": "0.5",
                                                    "INGEST_REDIS_MAX_DELIVERIES": "3"})
    stream = _one_site_frontier(cluster, site)
    req = codec.WireRequest(id="deadly", crawl="c1", url=site.url(site.paths[0]),
                            callback="parse", meta={"ingest_site": "gamma"})
    eid = cluster.r.xadd(stream, {"request": codec.encode_request(req)})
    # Three workers took it and died (each claim counts a delivery).
    cluster.r.xreadgroup(WORKERS_GROUP, "dead-0", {stream: ">"}, count=1)
    for i in (1, 2):
        cluster.r.xclaim(stream, WORKERS_GROUP, f"dead-{i}", 0, [eid])
    cluster.r.set(cluster.key("done"), "c1")
    worker = cluster.worker()
    assert cluster.wait(worker, timeout=60) == 0, cluster.log(worker)[-3000:]
    results = [codec.decode_result(f[b"result"])
               for _id, f in cluster.r.xrange(cluster.key("results"))]
    assert [(r.id, r.failure["type"]) for r in results] == [("deadly", "GaveUp")]
    assert "INGEST_REDIS_MAX_DELIVERIES" in results[0].failure["message"]
    assert site.count(site.paths[0]) == 0
    assert cluster.r.xlen(stream) == 0
