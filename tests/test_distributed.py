"""Crawling from several machines (issue 14), against the real thing: Redis on 127.0.0.1,
`ingest coordinate` and `scrapy crawl news -s INGEST_REDIS_URL=` workers as subprocesses,
sites on 127.0.0.x, SQLite files."""

from __future__ import annotations

import sqlite3

import pytest

from .distributed import Cluster, exported, news_site, sites_toml, stat, wait_until
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

    cluster = cluster_factory(sites_file)
    coordinator = cluster.coordinator()
    workers = [cluster.worker(), cluster.worker()]
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
    assert cluster.r.xlen(cluster.key("frontier")) == 0
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
    site.delays["/news/"] = 0.4
    cluster = cluster_factory(sites_file, settings={"CONCURRENT_REQUESTS_PER_DOMAIN": "2"})
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
