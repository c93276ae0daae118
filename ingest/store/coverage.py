"""Field coverage per site, split into recent articles and the site's history: the SQL of
``ingest stats`` (ingest/jobs/stats.py decides what the shares mean).

"Recent" is the articles first stored in the last ``recent_days`` before the site's newest
article; copies (``duplicate_of``) are left out, as in the field_coverage view.
"""

from __future__ import annotations

from ingest.store import Store

# Field -> SQL true when an article (alias a) has it. Same definitions as the field_coverage
# view (tests/test_stats.py checks they agree).
FIELD_CHECKS: dict[str, str] = {
    "headline": "coalesce(a.headline, '') <> ''",
    "authors": "EXISTS (SELECT 1 FROM article_authors aa WHERE aa.article_id = a.id)",
    "published_at": "a.published_at IS NOT NULL",
    "section": "coalesce(a.section, '') <> ''",
    "two_sections": "(SELECT count(*) FROM sections s WHERE s.article_id = a.id) >= 2",
}


def _coverage_sql(recent_days: int) -> str:
    recent = ("a.first_seen_at >= strftime('%Y-%m-%dT%H:%M:%S+00:00', newest.last, "
              f"'-{int(recent_days)} days')")
    shares = ", ".join(f"avg({expr}) AS [{name}]" for name, expr in FIELD_CHECKS.items())
    return f"""
        WITH newest AS (SELECT site, max(first_seen_at) AS last FROM articles GROUP BY site)
        SELECT a.site, {recent} AS grp, count(*) AS n, {shares}
        FROM articles a JOIN newest ON newest.site = a.site
        WHERE a.duplicate_of IS NULL
        GROUP BY a.site, grp ORDER BY a.site
    """


def coverage_groups(store: Store, *, recent_days: int) -> list[tuple]:
    """(site, is_recent, articles, share of each FIELD_CHECKS field...) per site and group."""
    return store.conn.execute(_coverage_sql(recent_days)).fetchall()
