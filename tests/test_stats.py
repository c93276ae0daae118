"""ingest.jobs.stats and `ingest stats` on real SQLite files: coverage per site, and the warning
when a site's recent coverage of a field falls well below its own history."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from ingest.cli import main
from ingest.settings import INGEST_STATS_RECENT_DAYS
from ingest.jobs.stats import FIELD_CHECKS, site_stats
from ingest.store import Store

from .test_store import make_article

START = datetime(2026, 10, 1, tzinfo=timezone.utc)


def at(days: float) -> str:
    return (START + timedelta(days=days)).isoformat(timespec="seconds")


@pytest.fixture
def db(tmp_path):
    """example.com: 30 signed articles over a month, then 8 unsigned ones in the last two days
    (a redesign lost the byline). steady.org: the same fields throughout."""
    path = tmp_path / "news.db"
    with Store(path) as st:
        for i in range(30):
            st.upsert_article(make_article(f"https://example.com/{i}", body=f"Old story {i}.",
                                           fetched_at=at(i)))
        for i in range(8):
            st.upsert_article(make_article(f"https://example.com/new{i}", authors=[],
                                           body=f"New story {i}.", fetched_at=at(40 + i / 4)))
        for i in range(30):
            st.upsert_article(make_article(f"https://steady.org/{i}", site="steady.org",
                                           body=f"Steady {i}.", section=None,
                                           fetched_at=at(i * 1.5)))
    return path


def test_coverage_and_warning_on_a_markup_change(db):
    with Store(db) as st:
        stats = {s.site: s for s in site_stats(st, recent_days=INGEST_STATS_RECENT_DAYS)}
    ex = stats["example.com"]
    assert (ex.articles, ex.recent_articles, ex.history_articles) == (38, 8, 30)
    assert ex.history["authors"] == 1.0 and ex.recent["authors"] == 0.0
    assert ex.coverage["authors"] == pytest.approx(30 / 38)
    assert len(ex.warnings) == 1 and "authors in 0%" in ex.warnings[0]
    assert "sites.toml" in ex.warnings[0]  # names the fix
    steady = stats["steady.org"]
    assert steady.coverage["section"] == 0.0 and steady.warnings == []  # low but not a change


def test_no_warning_without_enough_history(db):
    with Store(db) as st:
        # A window of 60 days makes everything "recent": nothing to compare with.
        assert all(not s.warnings for s in site_stats(st, recent_days=60))


def test_overall_coverage_agrees_with_the_field_coverage_view(db):
    with Store(db) as st:
        view = {r[0]: r for r in st.conn.execute(
            f"SELECT site, articles, {', '.join(FIELD_CHECKS)} FROM field_coverage")}
        for s in site_stats(st, recent_days=INGEST_STATS_RECENT_DAYS):
            assert view[s.site][1] == s.articles
            for i, f in enumerate(FIELD_CHECKS, start=2):
                assert view[s.site][i] == pytest.approx(s.coverage[f], abs=0.0005), (s.site, f)


def test_stats_command(db, tmp_path):
    result = CliRunner().invoke(main, ["stats", "--db", str(db)])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].split() == ["site", "articles", *FIELD_CHECKS]
    assert lines[1].split()[:3] == ["example.com", "38", "100%"]
    assert any(line.startswith("warning: example.com: authors") for line in lines)
    as_json = CliRunner().invoke(main, ["stats", "--db", str(db), "--json",
                                        "--site", "steady.org"])
    assert [s["site"] for s in json.loads(as_json.output)] == ["steady.org"]
    missing = CliRunner().invoke(main, ["stats", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "crawl first" in missing.output
