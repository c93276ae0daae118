"""What the database knows that a crawl needs to be incremental and resumable: which URLs are
stored articles (with their ETag, Last-Modified and dates), what feeds and sitemaps said about
each URL (table ``discovered``), which stored articles are due for a recheck, and which
crawl runs were left 'running' by a killed crawl.

The store is the source of truth: a crawl killed at any point and started again asks it what
is already done, so nothing is fetched or stored twice. No Scrapy here; the spider calls it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from ingest.store import Store, utcnow_iso


@dataclass(frozen=True)
class Entry:
    """One URL a discovery document points to, with what the document says about it."""

    url: str
    lastmod: str | None = None       # ISO 8601 UTC: sitemap lastmod, feed updated/pubDate
    title: str | None = None         # news:title, feed item title
    published_at: str | None = None  # news:publication_date, feed pubDate/published


@dataclass(frozen=True)
class Known:
    """What the store knows about one URL."""

    outcome: str                      # pages.outcome of the last fetch
    fetched_at: str                   # when we last fetched it (ISO 8601)
    is_article: bool = False          # an articles row exists for it
    etag: str | None = None
    last_modified: str | None = None
    fetched_lastmod: str | None = None  # the feed/sitemap date current at that fetch
    published_at: str | None = None   # of the stored article
    first_seen_at: str | None = None  # of the stored article
    status: int | None = None         # pages.status of the last fetch
    failures: int = 0                 # failed fetches in a row (pages.failures)
    listing_quiet: int = 0            # a listing page's fetches in a row with no new link
    listing_checked_at: str | None = None  # its last fetch as a listing page


@dataclass(frozen=True)
class Hold:
    """A server asked us (429/503 with Retry-After) to send no request to ``target`` (a host
    name for scope "host", a URL for scope "url") before ``until`` (table retry_holds)."""

    target: str
    scope: str                        # "host" or "url"
    until: str                        # ISO 8601 UTC
    status: int | None
    url: str | None
    reason: str
    recorded_at: str


# pages.outcome values that mean "this URL's article is in the articles table" (checked by
# the join on canonical_url too). "duplicate": another URL of this crawl stored the same
# canonical URL, so the article is there and this copy need not be fetched again either.
ARTICLE_OUTCOMES = ("stored", "updated", "unchanged", "not_modified", "duplicate")

_KNOWN_SQL = """
SELECT p.outcome, p.fetched_at, p.status, p.failures, p.etag, p.last_modified, d.lastmod AS hint,
       d.fetched_lastmod, a.id AS article_id, a.published_at, a.first_seen_at,
       l.quiet AS listing_quiet, l.checked_at AS listing_checked_at
FROM pages p
LEFT JOIN discovered d ON d.url = p.url
LEFT JOIN listing_pages l ON l.url = p.url
LEFT JOIN articles a ON a.canonical_url = coalesce(p.canonical_url, p.url)
WHERE p.url = ?
"""


class CrawlState:
    def __init__(self, db_path: str | os.PathLike):
        self.store = Store(db_path)   # runs migrations: a fresh database works too
        self.conn = self.store.conn

    def close(self) -> None:
        self.store.close()

    # --- per URL --------------------------------------------------------------------------

    def known(self, url: str) -> Known | None:
        row = self.store._one(_KNOWN_SQL, (url,))
        if row is None:
            return None
        return Known(
            outcome=row["outcome"], fetched_at=row["fetched_at"],
            is_article=row["article_id"] is not None and row["outcome"] in ARTICLE_OUTCOMES,
            etag=row["etag"], last_modified=row["last_modified"],
            fetched_lastmod=row["fetched_lastmod"], published_at=row["published_at"],
            first_seen_at=row["first_seen_at"], status=row["status"],
            failures=row["failures"] or 0,
            listing_quiet=row["listing_quiet"] or 0,
            listing_checked_at=row["listing_checked_at"],
        )

    def remember(self, entries: Iterable[Entry], *, site: str, source: str) -> int:
        """Keep what a feed or sitemap says about its URLs; the newest lastmod wins."""
        now = utcnow_iso()
        rows = [{"url": e.url, "site": site, "source": source, "lastmod": e.lastmod,
                 "title": e.title, "published_at": e.published_at, "now": now}
                for e in entries]
        if not rows:
            return 0
        with self.store.transaction() as conn:
            conn.executemany(
                """
                INSERT INTO discovered (url, site, source, lastmod, title, published_at,
                                        first_seen_at, last_seen_at)
                VALUES (:url, :site, :source, :lastmod, :title, :published_at, :now, :now)
                ON CONFLICT (url) DO UPDATE SET
                    site = excluded.site,
                    source = excluded.source,
                    lastmod = CASE WHEN discovered.lastmod IS NULL
                                     OR excluded.lastmod > discovered.lastmod
                                   THEN excluded.lastmod ELSE discovered.lastmod END,
                    title = coalesce(excluded.title, discovered.title),
                    published_at = coalesce(excluded.published_at, discovered.published_at),
                    last_seen_at = excluded.last_seen_at
                """,
                rows,
            )
        return len(rows)

    def fetched(self, url: str, lastmod: str | None) -> None:
        """We fetched ``url`` while its feed/sitemap date was ``lastmod``: a later run refetches
        it only for a newer date."""
        # The response is at least as new as every date listed for it before it arrived (a
        # sitemap read while the request was queued, after the feed that made it): those
        # count as fetched too, or the next run refetches it for a date it already has.
        with self.store.transaction() as conn:
            conn.execute("UPDATE discovered SET fetched_lastmod = max(coalesce(?, ''), "
                         "coalesce(lastmod, ''), coalesce(fetched_lastmod, '')) WHERE url = ? "
                         "AND (? IS NOT NULL OR lastmod IS NOT NULL)",
                         (lastmod, url, lastmod))

    def listing_fetched(self, url: str, *, site: str, links: int, new_links: int) -> int:
        """A listing page was fetched and showed ``links`` links, ``new_links`` of them never
        fetched before. Returns its fetches in a row without a new link (0 when it had one):
        the adaptive revisit (ingest.crawl.schedule.listing_wait) waits longer with each."""
        now = utcnow_iso()
        with self.store.transaction() as conn:
            row = conn.execute(
                """
                INSERT INTO listing_pages (url, site, quiet, links, new_links, checked_at,
                                           last_new_at)
                VALUES (:url, :site, :quiet, :links, :new, :now,
                        CASE WHEN :new > 0 THEN :now END)
                ON CONFLICT (url) DO UPDATE SET
                    site = excluded.site,
                    quiet = CASE WHEN :new > 0 THEN 0 ELSE listing_pages.quiet + 1 END,
                    links = excluded.links,
                    new_links = excluded.new_links,
                    checked_at = excluded.checked_at,
                    last_new_at = coalesce(excluded.last_new_at, listing_pages.last_new_at)
                RETURNING quiet
                """,
                {"url": url, "site": site, "quiet": 0 if new_links else 1, "links": links,
                 "new": new_links, "now": now},
            ).fetchone()
        return row[0]

    # --- a server's Retry-After, per host or URL ---------------------------------------------

    def hold(self, target: str, *, scope: str, until: str, status: int | None,
             url: str | None, reason: str) -> None:
        """Keep a server's Retry-After: no request to ``target`` (a host name, scope "host";
        a URL, scope "url") before ``until``. A later answer replaces an earlier one (the
        server's latest word counts)."""
        if scope not in ("host", "url"):
            raise ValueError(f"hold scope must be 'host' or 'url', not {scope!r}")
        with self.store.transaction() as conn:
            conn.execute(
                """
                INSERT INTO retry_holds (target, scope, until, status, url, reason, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (target) DO UPDATE SET scope = excluded.scope,
                    until = excluded.until, status = excluded.status, url = excluded.url,
                    reason = excluded.reason, recorded_at = excluded.recorded_at
                """,
                (target.lower() if scope == "host" else target, scope, until, status, url,
                 reason, utcnow_iso()))

    def holds(self, now: datetime | None = None) -> list[Hold]:
        return read_holds(self.conn, now)

    # --- per site -------------------------------------------------------------------------

    def due_articles(self, hosts: Iterable[str], *, now: datetime,
                     recheck_days: float) -> list[str]:
        """Stored articles of these hosts younger than the recheck window: refetched
        (conditionally) every run, whether or not this run's discovery finds them again."""
        sites = sorted({h.lower().removeprefix("www.") for h in hosts})
        if not sites:
            return []
        since = (now - timedelta(days=recheck_days)).isoformat(timespec="seconds")
        marks = ", ".join("?" for _ in sites)
        rows = self.conn.execute(
            f"""
            SELECT p.url FROM pages p
            JOIN articles a ON a.canonical_url = coalesce(p.canonical_url, p.url)
            WHERE p.site IN ({marks}) AND p.outcome IN {ARTICLE_OUTCOMES!r}
              AND datetime(coalesce(a.published_at, a.first_seen_at)) >= datetime(?)
            ORDER BY p.url
            """,
            (*sites, since),
        ).fetchall()
        return [r[0] for r in rows]

    def site_urls(self, hosts: Iterable[str], *, limit: int) -> tuple[list[str], set[str]]:
        """(stored article URLs, known listing page URLs) of these hosts, for request
        priorities (ingest.crawl.priority): the newest ``limit`` articles."""
        sites = sorted({h.lower().removeprefix("www.") for h in hosts})
        if not sites:
            return [], set()
        marks = ", ".join("?" for _ in sites)
        articles = [r[0] for r in self.conn.execute(
            f"SELECT url FROM pages WHERE site IN ({marks}) AND outcome IN "
            f"{ARTICLE_OUTCOMES!r} ORDER BY fetched_at DESC LIMIT ?", (*sites, limit))]
        listings = {r[0] for r in self.conn.execute(
            f"SELECT url FROM pages WHERE site IN ({marks}) AND outcome = 'skipped' "
            f"AND reason LIKE 'listing page%'", sites)}
        return articles, listings

    # --- crawl runs -----------------------------------------------------------------------

    def close_interrupted_runs(self, held: set[str]) -> int:
        """Mark 'running' rows of crawls that were killed as 'interrupted'.

        Safe because the caller holds the locks ``held`` (site names, plus "*" for a run of
        every site): a run whose sites are all among them cannot still be going."""
        rows = self.conn.execute(
            "SELECT id, site, args FROM crawl_runs WHERE status = 'running'").fetchall()
        stale = [run_id for run_id, site, args in rows if _run_key(site, args) in held]
        if stale:
            with self.store.transaction() as conn:
                conn.executemany(
                    "UPDATE crawl_runs SET status = 'interrupted', finished_at = ?"
                    " WHERE id = ? AND status = 'running'",
                    [(utcnow_iso(), run_id) for run_id in stale])
        return len(stale)


# --- for `ingest frontier` (any sqlite3 connection to the crawl database; the caller commits) ---

def quiet_listings(conn: sqlite3.Connection, site: str | None = None) -> list[dict]:
    """Listing pages whose last fetch showed no new link (quiet > 0): url, site, quiet,
    links, checked_at, last_new_at."""
    # Only pages still listings (a listing that now answers 404 waits by the failure rules).
    sql = ("SELECT l.url, l.site, l.quiet, l.links, l.checked_at, l.last_new_at "
           "FROM listing_pages l JOIN pages p ON p.url = l.url AND p.outcome = 'skipped' "
           "WHERE l.quiet > 0" + (" AND l.site = ?" if site else "") + " ORDER BY l.site, l.url")
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    return [dict(r) for r in cur.execute(sql, (site,) if site else ())]


def reset_listings(conn: sqlite3.Connection, urls: Iterable[str]) -> int:
    """Make these listing pages due on the next run (their quiet count back to 0)."""
    return sum(conn.execute("UPDATE listing_pages SET quiet = 0 WHERE url = ? AND quiet > 0",
                            (u,)).rowcount for u in urls)


def read_holds(conn: sqlite3.Connection, now: datetime | None = None) -> list[Hold]:
    """Every hold (hosts first), or only those still in force at ``now``."""
    cur = conn.cursor()
    cur.row_factory = sqlite3.Row
    found = [Hold(**dict(r)) for r in cur.execute(
        "SELECT target, scope, until, status, url, reason, recorded_at FROM retry_holds "
        "ORDER BY scope, target")]
    return found if now is None else [h for h in found if _aware(h.until) > now]


def release_holds(conn: sqlite3.Connection, targets: Iterable[str], *, scope: str) -> int:
    """Lift the holds on these hosts (scope "host") or URLs ("url"): requested again from
    the next run."""
    return sum(conn.execute("DELETE FROM retry_holds WHERE target = ? AND scope = ?",
                            (t.lower() if scope == "host" else t, scope)).rowcount
               for t in targets)


def _aware(value: str) -> datetime:
    """A stored ISO 8601 time as an aware datetime (naive read as UTC)."""
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _run_key(site: str | None, args: str | None) -> str:
    """The lock name a crawl run held: its site, the ad-hoc start URL's site, or "*"."""
    if site:
        return site
    try:
        start = json.loads(args or "{}").get("start_arg")
    except (ValueError, AttributeError):
        start = None
    if start:
        from ingest.sites import SiteProfile, SitesError
        try:
            return SiteProfile.adhoc(start).name
        except SitesError:
            return "?"
    return "*"
