"""The ``pages`` table read for the commands: the pages the revisit policy holds back
(``pages.failures`` > 0: 404/410, drops, repeated errors) for ``ingest frontier``, making them
due again (``ingest frontier reset``), and what a crawl did not store (``ingest demo``).
When a page is due is the crawl's rule (ingest/crawl/schedule.py), not the store's."""

from __future__ import annotations

from ingest.store import Store

_FAILED_COLUMNS = ("url", "site", "outcome", "status", "failures", "fetched_at")


def failed_pages(store: Store, site: str | None = None) -> list[dict]:
    """Every page whose last fetches failed (of ``site`` only, when given), by site and URL."""
    rows = store.conn.execute(
        f"SELECT {', '.join(_FAILED_COLUMNS)} FROM pages WHERE failures > 0"
        " AND (:site IS NULL OR site = :site) ORDER BY site, url", {"site": site})
    return [dict(zip(_FAILED_COLUMNS, r)) for r in rows]


def reset_failures(store: Store, urls: list[str]) -> int:
    """Make ``urls`` due on the next run (their failure count back to 0); how many were
    held back."""
    with store.transaction() as conn:
        return sum(conn.execute("UPDATE pages SET failures = 0 WHERE url = ? AND failures > 0",
                                (u,)).rowcount for u in urls)


# pages.outcome of the fetches that stored (or re-saw) an article.
STORED_OUTCOMES = ("stored", "updated", "unchanged")


def not_stored_counts(store: Store) -> list[tuple[str, str | None, int]]:
    """(outcome, reason, pages) of the pages that are not stored articles, most first."""
    marks = ", ".join("?" * len(STORED_OUTCOMES))
    return store.conn.execute(
        f"SELECT outcome, reason, count(*) FROM pages WHERE outcome NOT IN ({marks})"
        " GROUP BY outcome, reason ORDER BY 3 DESC", STORED_OUTCOMES).fetchall()
