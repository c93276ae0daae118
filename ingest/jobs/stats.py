"""`ingest stats`: per site, article counts and field coverage, and a warning when a site's
recent coverage of a field falls well below its own history (a sign its markup changed).

"Recent" is the articles first stored in the last ``recent_days`` (INGEST_STATS_RECENT_DAYS)
before the site's newest article (not before today, so a database that has not been crawled
for a while still compares like with like); "history" is the site's earlier articles.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ingest.store import Store
from ingest.store.coverage import FIELD_CHECKS, coverage_groups

# Below these counts a share is noise (one undated article in three is not a trend).
MIN_RECENT_ARTICLES = 5
MIN_HISTORY_ARTICLES = 20
# A fall of this much in a field's share (0.9 -> 0.6) warns. Smaller wobbles are normal: some
# articles of any site lack a section or a byline.
WARN_DROP = 0.3


@dataclass
class SiteStats:
    site: str
    articles: int
    coverage: dict[str, float]
    recent_articles: int = 0
    recent: dict[str, float] = field(default_factory=dict)
    history_articles: int = 0
    history: dict[str, float] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def site_stats(store: Store, *, recent_days: int, site: str | None = None) -> list[SiteStats]:
    """Per site: coverage overall, recent and before (``recent_days``: INGEST_STATS_RECENT_DAYS
    from the caller), with a warning per field whose share fell by WARN_DROP or more."""
    by_site: dict[str, SiteStats] = {}
    for row in coverage_groups(store, recent_days=recent_days):
        name, is_recent, n, *shares = row
        if site and name != site:
            continue
        s = by_site.setdefault(name, SiteStats(name, 0, dict.fromkeys(FIELD_CHECKS, 0.0)))
        values = dict(zip(FIELD_CHECKS, (float(x or 0) for x in shares)))
        for f, v in values.items():  # running weighted mean over the two groups
            s.coverage[f] = (s.coverage[f] * s.articles + v * n) / (s.articles + n)
        s.articles += n
        if is_recent:
            s.recent_articles, s.recent = n, values
        else:
            s.history_articles, s.history = n, values
    for s in by_site.values():
        s.warnings = _warnings(s, recent_days)
    return list(by_site.values())


def _warnings(s: SiteStats, recent_days: int) -> list[str]:
    if s.recent_articles < MIN_RECENT_ARTICLES or s.history_articles < MIN_HISTORY_ARTICLES:
        return []
    out = []
    for f in FIELD_CHECKS:
        before, now = s.history[f], s.recent[f]
        if before - now >= WARN_DROP:
            out.append(
                f"{s.site}: {f} in {now:.0%} of the last {recent_days} days' articles "
                f"({s.recent_articles}) against {before:.0%} before ({s.history_articles}): "
                f"the site's markup may have changed; check its pages with `ingest extract` "
                f"and add a selector for {f} in sites.toml if needed")
    return out


def format_table(stats: list[SiteStats]) -> str:
    cols = ["site", "articles", *FIELD_CHECKS]
    rows = [[s.site, str(s.articles), *(f"{s.coverage[f]:.0%}" for f in FIELD_CHECKS)]
            for s in stats]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c)
              for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(cols, widths)))]
    for r in rows:
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w)
                               for i, (v, w) in enumerate(zip(r, widths))))
    return "\n".join(lines)
