"""The analysts' views and the change sequence behind incremental exports, on real SQLite."""

from __future__ import annotations

import pytest

from ingest.store import Store

from .test_store import make_article


@pytest.fixture
def st(tmp_path):
    with Store(tmp_path / "news.db") as s:
        yield s


def q(st, sql, *args):
    cur = st.conn.cursor()
    cur.row_factory = lambda c, r: {d[0]: v for d, v in zip(c.description, r)}
    return cur.execute(sql, args).fetchall()


def seqs(st):
    return dict(st.conn.execute("SELECT article_id, seq FROM article_changes"))


def test_latest_articles_newest_first_with_authors_and_no_copies(st):
    # "new" reads as the earlier string but is the later instant (04:00 vs 20:00 UTC):
    # the view orders by the instant. Inserted first, so the id tie-break cannot help.
    _, new = st.upsert_article(make_article(
        "https://a.com/new", body="Different text.", published_at="2025-07-01T23:00:00-05:00",
        authors=[{"name": "Ada Byte", "role": None, "url": None},
                 {"name": "Priya Raman", "role": "Editor", "url": None}]))
    _, old = st.upsert_article(make_article("https://a.com/old",
                                            published_at="2025-07-02T01:00:00+05:00"))
    _, copy = st.upsert_article(make_article("https://b.com/copy", body="Copied text."))
    with st.transaction() as conn:
        conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (old, copy))
    rows = q(st, "SELECT id, authors FROM latest_articles")
    assert [r["id"] for r in rows] == [new, old]
    assert rows[0]["authors"] == '["Ada Byte","Priya Raman"]'


def test_articles_by_day_uses_the_publishers_day(st):
    st.upsert_article(make_article("https://a.com/1", published_at="2025-07-01T23:30:00-05:00"))
    st.upsert_article(make_article("https://a.com/2", body="x y",
                                   published_at="2025-07-01T08:00:00-05:00"))
    st.upsert_article(make_article("https://b.org/3", body="z", site="b.org",
                                   published_at="2025-07-03T01:00:00+00:00"))
    st.upsert_article(make_article("https://b.org/4", body="undated", site="b.org",
                                   published_at=None))
    assert q(st, "SELECT * FROM articles_by_day") == [
        {"site": "b.org", "day": "2025-07-03", "count": 1},
        {"site": "example.com", "day": "2025-07-01", "count": 2},
    ]


def test_author_stats_counts_articles_sites_and_dates(st):
    me = {"name": "Dolapo Omole", "role": "Reporter", "url": None}
    st.upsert_article(make_article("https://a.com/1", authors=[me],
                                   published_at="2025-01-05T10:00:00+00:00"))
    st.upsert_article(make_article("https://b.org/2", body="two", site="b.org",
                                   authors=[{**me, "name": "dolapo  OMOLE"}],
                                   published_at="2025-03-09T10:00:00+00:00"))
    st.upsert_article(make_article("https://a.com/3", body="three",
                                   authors=[{"name": "Ada Byte", "role": None, "url": None}]))
    rows = q(st, "SELECT name, articles, sites, first_date, last_date FROM author_stats")
    assert rows[0] == {"name": "Dolapo Omole", "articles": 2, "sites": 2,
                       "first_date": "2025-01-05", "last_date": "2025-03-09"}
    assert rows[1]["name"] == "Ada Byte" and rows[1]["articles"] == 1


def test_field_coverage_shares_per_site(st):
    st.upsert_article(make_article("https://a.com/1"))  # everything, two sections
    st.upsert_article(make_article("https://a.com/2", body="one section only", authors=[],
                                   section=None, published_at=None))
    st.upsert_article(make_article("https://a.com/3", body="no headline", headline=None))
    st.upsert_article(make_article("https://a.com/4", body="four", authors=[]))
    [row] = q(st, "SELECT * FROM field_coverage")
    assert row == {"site": "example.com", "articles": 4, "headline": 0.75, "authors": 0.5,
                   "published_at": 0.75, "section": 0.75, "two_sections": 0.25}


def test_change_seq_moves_on_insert_and_change_only(st):
    _, a = st.upsert_article(make_article("https://a.com/1"))
    _, b = st.upsert_article(make_article("https://a.com/2", body="other"))
    first = seqs(st)
    assert first[a] < first[b]
    st.upsert_article(make_article("https://a.com/1", fetched_at="2026-12-01T00:00:00+00:00"))
    assert seqs(st) == first  # seen again unchanged: no change for exports
    st.upsert_article(make_article("https://a.com/1", body="new words"))
    after = seqs(st)
    assert after[b] == first[b] and after[a] > first[b]
    with st.transaction() as conn:
        conn.execute("DELETE FROM articles WHERE id = ?", (b,))
    assert set(seqs(st)) == {a}


def test_migration_backfills_changes_of_existing_articles(tmp_path, monkeypatch):
    from ingest import store as store_mod

    path = tmp_path / "old.db"
    monkeypatch.setattr(store_mod, "MIGRATIONS", store_mod.MIGRATIONS[:1])
    with Store(path) as s:
        s.upsert_article(make_article("https://a.com/1"))
        s.upsert_article(make_article("https://a.com/2", body="other"))
    monkeypatch.undo()
    with Store(path) as s:
        assert sorted(seqs(s)) == [1, 2]
        assert len(q(s, "SELECT * FROM latest_articles")) == 2


def test_counts_leave_out_copies(st):
    """author_stats, field_coverage and ingest stats count a syndicated copy once (issue #15.9)."""
    from ingest.jobs.stats import site_stats
    from ingest.settings import INGEST_STATS_RECENT_DAYS

    me = {"name": "Dolapo Omole", "role": "Reporter", "url": None}
    _, orig = st.upsert_article(make_article("https://a.com/1", authors=[me]))
    _, copy = st.upsert_article(make_article("https://a.com/copy", body="Copied text.",
                                             authors=[me]))
    with st.transaction() as conn:
        conn.execute("UPDATE articles SET duplicate_of = ? WHERE id = ?", (orig, copy))
    [author] = q(st, "SELECT name, articles FROM author_stats")
    assert author == {"name": "Dolapo Omole", "articles": 1}
    [coverage] = q(st, "SELECT site, articles FROM field_coverage")
    assert coverage == {"site": "example.com", "articles": 1}
    assert [s.articles for s in site_stats(st, recent_days=INGEST_STATS_RECENT_DAYS)] == [1]
