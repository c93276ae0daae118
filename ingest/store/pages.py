"""The ``pages`` table read for the commands: the pages the revisit policy holds back
(``pages.failures`` > 0: 404/410, drops, repeated errors) for ``ingest frontier``, making them
due again (``ingest frontier reset``), and what a crawl did not store (``ingest demo``).
When a page is due is the crawl's rule (ingest/crawl/schedule.py), not the store's."""

from __future__ import annotations

from ingest.store import Store
from ingest.store.crawlstate import quiet_listings, read_holds, release_holds, reset_listings

_FAILED_COLUMNS = ("url", "site", "outcome", "status", "failures", "fetched_at")


def failed_pages(store: Store, site: str | None = None) -> list[dict]:
    """Every page whose last fetches failed (of ``site`` only, when given), by site and URL."""
    rows = store.conn.execute(
        f"SELECT {', '.join(_FAILED_COLUMNS)} FROM pages WHERE failures > 0"
        " AND (:site IS NULL OR site = :site) ORDER BY site, url", {"site": site})
    return [dict(zip(_FAILED_COLUMNS, r)) for r in rows]


# pages.outcome of the fetches that stored (or re-saw) an article.
STORED_OUTCOMES = ("stored", "updated", "unchanged")


def not_stored_counts(store: Store) -> list[tuple[str, str | None, int]]:
    """(outcome, reason, pages) of the pages that are not stored articles, most first."""
    marks = ", ".join("?" * len(STORED_OUTCOMES))
    return store.conn.execute(
        f"SELECT outcome, reason, count(*) FROM pages WHERE outcome NOT IN ({marks})"
        " GROUP BY outcome, reason ORDER BY 3 DESC", STORED_OUTCOMES).fetchall()


def quiet_listing_pages(store: Store, site: str | None = None) -> list[dict]:
    """Listing pages whose last fetches showed no new link (``listing_pages``, see
    ingest.store.crawlstate.quiet_listings)."""
    return quiet_listings(store.conn, site)


def retry_holds(store: Store, now=None):
    """The holds servers' Retry-After put on hosts and URLs (all, or those in force at ``now``)."""
    return read_holds(store.conn, now)


def reset_frontier(store: Store, *, failed: list[str], listings: list[str],
                   held: list[str]) -> set[str]:
    """Make these URLs due on the next run, in one transaction: failed pages (failure count
    back to 0), quiet listing pages (quiet count back to 0), URLs a 503's Retry-After holds.
    The URLs that were held back in any of these ways (one URL counted once)."""
    changed: set[str] = set()
    with store.transaction() as conn:
        for u in failed:
            if conn.execute("UPDATE pages SET failures = 0 WHERE url = ? AND failures > 0",
                            (u,)).rowcount:
                changed.add(u)
        changed.update(u for u in listings if reset_listings(conn, [u]))
        changed.update(u for u in held if release_holds(conn, [u], scope="url"))
    return changed


def release_host_hold(store: Store, host: str) -> int:
    """Lift the hold a 429's Retry-After put on ``host``; how many holds were lifted."""
    with store.transaction() as conn:
        return release_holds(conn, [host], scope="host")
