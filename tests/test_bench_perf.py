"""The performance benchmarks' own machinery (bench/extract_speed.py, store.py, crawl.py,
sitegen.py), exercised on tiny inputs so that `make bench` does not break unnoticed. The
figures themselves are in bench/README.md; no speed is asserted here."""

import asyncio
import sqlite3
from urllib.parse import urlsplit

import pytest

from bench import crawl as crawl_bench
from bench import extract_speed
from bench import store as store_bench
from bench.sitegen import generate_site
from bench.synth import TextGen
from ingest.extract import extract_article


def test_generated_site_pages_are_articles_with_the_generated_fields(tmp_path):
    paths = generate_site(tmp_path, 6)
    articles = [p for p in paths if "/article-" in p]
    assert len(articles) == 6 and paths[0] == "/"
    assert all((tmp_path / (p.lstrip("/") + ("index.html" if p.endswith("/") else ""))).is_file()
               for p in paths)
    for i, path in enumerate(articles):
        html = (tmp_path / path.lstrip("/")).read_bytes()
        art = extract_article(html, "http://127.0.0.1:8000" + path)
        assert art.headline and art.headline.lower() in html.decode().lower()
        assert art.authors and art.published_at and art.word_count >= 80, path
        assert art.section in ("News", "Business", "AI")
    sitemap = (tmp_path / "sitemap.xml").read_text()
    assert all(f"<loc>{p}</loc>" in sitemap for p in articles)
    # A second generation with the same seed is the same site (figures are comparable).
    again = tmp_path / "again"
    generate_site(again, 6)
    assert (again / articles[3].lstrip("/")).read_bytes() == \
        (tmp_path / articles[3].lstrip("/")).read_bytes()


def test_extract_speed_ratios_and_verdicts():
    per_page = {"ingest": [0.010, 0.020], "trafilatura": [0.040, 0.050], "parse": [0.002, 0.004]}
    summary = extract_speed.summarise(per_page)
    assert summary["ratios"]["ingest/trafilatura pages/s"] == pytest.approx(3.0)
    assert summary["ratios"]["ingest/parse time"] == pytest.approx(5.0)
    assert summary["contenders"]["ingest"]["median_ms"] == pytest.approx(15.0)
    assert "met" in extract_speed.verdict("ingest/parse time", 5.0)
    assert "NOT met" in extract_speed.verdict("ingest/trafilatura pages/s", 2.9)


def test_extract_speed_skips_without_data(tmp_path, capsys):
    assert extract_speed.main([str(tmp_path / "absent")]) == 0
    assert "skipped" in capsys.readouterr().out


def test_store_bench_stores_every_article_and_times_queries(tmp_path):
    gen = TextGen()
    db = tmp_path / "s.db"
    result = asyncio.run(store_bench.store_articles(db, 30, 7, gen))
    assert result["articles"] == 30 and result["articles_per_s"] > 0
    con = sqlite3.connect(db)
    assert con.execute("select count(*) from revisions").fetchone()[0] == 30
    con.close()
    times = store_bench.query_times(db, gen, per_band=3)
    assert set(times) == set(store_bench.BANDS)
    common = times["common (rank 20-200)"]
    assert common["queries"] == 3 and common["median_matching_articles"] > 0


def test_crawl_bench_end_to_end_on_a_tiny_site(tmp_path, capsys):
    assert crawl_bench.main(["--pages", "12", "--keep", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "crawl/extract-alone pages/s" in out and "peak RSS" in out
    con = sqlite3.connect(tmp_path / "12" / "crawl.db")
    try:
        assert con.execute("select count(*) from articles").fetchone()[0] == 12
    finally:
        con.close()
    urls = (tmp_path / "12" / "urls.txt").read_text().split()
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in urls)
