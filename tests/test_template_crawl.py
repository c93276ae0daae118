"""Site templates, raw pages, re-extraction and duplicates through real Scrapy crawls of our
fixture sites served on 127.0.0.1, asserted on the SQLite rows."""

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from ingest.jobs.demo import PROJECT_ROOT, run_crawl, serve_directory

from .conftest import DEMO_SITE, FIXTURES, GOLDEN_BASE, golden_cases, rows
from .test_templates import BUILD, CHROME, own_paragraphs

SITE = FIXTURES / "template-site"
PARTNER = FIXTURES / "partner-site"
# One request at a time: the order pages are fetched in is the order of the start page.
SEQUENTIAL = {"CONCURRENT_REQUESTS": "1", "CONCURRENT_REQUESTS_PER_DOMAIN": "1"}


def crawl(base_url, db, start="", settings=None, *, sequential=False):
    result = run_crawl(base_url + start, db,
                       {**(SEQUENTIAL if sequential else {}), **(settings or {})},
                       capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-3000:]


def ingest(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "ingest.cli", *map(str, args)], cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=120, **kwargs)


def reextract(db, *args):
    result = ingest("reextract", "--db", db, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def bodies(db):
    return {r["url"].split("/", 3)[3]: r["body_text"] for r in rows(
        db, "select url, body_text from articles")}


def article_path(art):
    return f"{art[1]}/{art[0]}.html"


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    """The template site crawled once (no template yet), bodies kept, then re-extracted."""
    db = tmp_path_factory.mktemp("tpl") / "site.db"
    with serve_directory(SITE) as base_url:
        crawl(base_url, db)
    before = bodies(db)
    revisions = rows(db, "select count(*) n from revisions")[0]["n"]
    # The copy under a second URL is linked by the crawl itself, before any re-extraction.
    linked = rows(db, "select similarity from articles where duplicate_of is not null")
    assert linked == [{"similarity": 1.0}]
    result = reextract(db, "--jobs", "2")
    return base_url, db, before, revisions, result


def test_chrome_in_body_before_the_template_and_gone_after_reextract(learned):
    _base, db, before, _revs, _result = learned
    after = bodies(db)
    for art in BUILD.ARTICLES:
        path = article_path(art)
        for chrome in CHROME:
            assert chrome in before[path], (path, chrome)
            assert chrome not in after[path], (path, chrome)
        bio = BUILD.AUTHORS[art[2]][1]
        assert bio in before[path] and bio not in after[path]
        paragraphs = after[path].split("\n\n")
        for text in own_paragraphs(art):
            assert text in paragraphs, (path, text)
    hits = rows(db, "select count(*) n from articles_fts where articles_fts match 'cloudnest'")
    assert hits[0]["n"] == 0


def test_template_is_in_the_database_for_analysts(learned):
    _base, db, _before, _revs, _result = learned
    found = rows(db, "select * from site_templates where is_template and not keep")
    texts = " | ".join(r["example_text"] for r in found)
    assert "Cloudnest Pro" in texts and "Subscribe to our newsletter" in texts
    assert "Meet the writer" in texts
    assert all(r["site"] == "127.0.0.1" and r["pages_seen"] >= 7 and r["site_pages"] == 13
               and r["first_seen_at"] and r["last_seen_at"] and r["path"].startswith("html")
               for r in found)
    # A block of one article only (its lead) is no candidate at all.
    lead = BUILD.ARTICLES[0][7]
    assert not rows(db, "select 1 from site_templates where example_text = ?", lead)


def test_raw_pages_kept_compressed_with_headers(learned):
    _base, db, _before, _revs, _result = learned
    raw = rows(db, "select url, content_type, headers, size, length(body) stored, fetched_at "
                   "from raw_pages")
    assert len(raw) == 13  # 12 articles and the copy under a second URL
    assert all(r["content_type"].startswith("text/html") for r in raw)
    assert all(r["stored"] < r["size"] / 2 for r in raw)
    assert all("Content-Type" in json.loads(r["headers"]) for r in raw)
    urls = {r["url"] for r in rows(db, "select url from pages where outcome = 'stored'")}
    assert {r["url"] for r in raw} == urls


def test_reextract_revises_only_what_changed(learned):
    _base, db, _before, revisions, result = learned
    assert "13 updated" in result.stdout
    assert rows(db, "select count(*) n from revisions")[0]["n"] == revisions + 13
    again = reextract(db, "--jobs", "1")
    assert "0 updated" in again.stdout and "13 unchanged" in again.stdout
    assert rows(db, "select count(*) n from revisions")[0]["n"] == revisions + 13
    assert again.stderr == ""  # no progress bar when not on a terminal


def test_article_at_two_urls_linked_to_the_original(learned):
    """Same content, same date, no canonical link: the copy stored second is linked to the
    one stored first (the original), with similarity 1.0; neither is dropped."""
    base, db, *_ = learned
    urls = {base + article_path(next(a for a in BUILD.ARTICLES if a[0] == BUILD.DUPLICATE_OF)),
            base + BUILD.DUPLICATE_PATH}
    got = rows(db, "select c.url, o.url original, c.similarity, c.first_seen_at copy_seen, "
                   "o.first_seen_at original_seen, c.id > o.id later from articles c "
                   "join articles o on o.id = c.duplicate_of")
    assert len(got) == 1
    assert {got[0]["url"], got[0]["original"]} == urls and got[0]["similarity"] == 1.0
    assert got[0]["copy_seen"] >= got[0]["original_seen"] and got[0]["later"]


def test_syndicated_copy_with_new_headline_linked(learned, tmp_path):
    base, db, *_ = learned
    with serve_directory(PARTNER) as partner:
        partner = partner.replace("127.0.0.1", "localhost")  # another site: another host
        crawl(partner, db)
    copy = rows(db, "select * from articles where site = 'localhost'")
    assert len(copy) == 1
    original = rows(db, "select * from articles where id = ?", copy[0]["duplicate_of"])
    assert original and original[0]["url"] == base + article_path(
        next(a for a in BUILD.ARTICLES if a[0] == BUILD.SYNDICATED))
    assert copy[0]["headline"] != original[0]["headline"]
    assert 0.8 <= copy[0]["similarity"] < 1.0


def test_veto_puts_a_block_back(learned, tmp_path):
    _base, db, *_ = learned
    vetoed = tmp_path / "veto.db"
    src = sqlite3.connect(db)
    dst = sqlite3.connect(vetoed)
    src.backup(dst)
    src.close()
    dst.close()
    shown = ingest("templates", "show", "--db", vetoed, "--site", "127.0.0.1")
    assert shown.returncode == 0
    promo = next(line.split("\t")[1] for line in shown.stdout.splitlines()
                 if "Cloudnest Pro" in line)
    kept = ingest("templates", "keep", "--db", vetoed, "127.0.0.1", promo)
    assert kept.returncode == 0 and "kept" in kept.stdout
    missing = ingest("templates", "keep", "--db", vetoed, "127.0.0.1", "0" * 16)
    assert missing.returncode != 0 and "templates show" in missing.stderr
    reextract(vetoed, "--jobs", "1")
    after = bodies(vetoed)
    assert after and all("Cloudnest Pro" in b and "Subscribe to our newsletter" not in b
                         for path, b in after.items() if not path.startswith("stories/"))


def test_two_crawl_orders_give_identical_records(tmp_path):
    """Order A on a fresh database; order B reversed, then (articles forgotten, the learnt
    template kept) crawled again, the template applied during the crawl. After
    re-extraction: the same records."""
    first, second = tmp_path / "a.db", tmp_path / "b.db"
    with serve_directory(SITE) as base_url:
        crawl(base_url, first, "index.html", sequential=True)
        crawl(base_url, second, "reverse.html", sequential=True)
        stored = "select url from pages where outcome = 'stored' order by rowid"
        order = [r["url"] for r in rows(first, stored)]
        reversed_order = [r["url"] for r in rows(second, stored)]
        assert order != reversed_order and sorted(order) == sorted(reversed_order)
        con = sqlite3.connect(second)
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("DELETE FROM articles")
        con.execute("DELETE FROM pages")
        con.commit()
        con.close()
        crawl(base_url, second, "index.html", sequential=True)
    # The template learnt by the first crawl of B was removed during its second crawl.
    assert not any(c in body for body in bodies(second).values() for c in CHROME)
    assert all(CHROME[0] in body for body in bodies(first).values())
    for db in (first, second):
        reextract(db, "--jobs", "2")

    def records(db):
        found = {}
        for a in rows(db, "select * from articles order by canonical_url"):
            sections = rows(db, "select heading, paragraphs from sections where article_id = ? "
                                "order by position", a["id"])
            authors = rows(db, "select au.name, aa.role from article_authors aa join authors au "
                               "on au.id = aa.author_id where article_id = ? order by position",
                            a["id"])
            group = rows(db, "select canonical_url from articles where id = ? or duplicate_of = ?"
                             " or id = ? order by 1", a["id"], a["id"], a["duplicate_of"] or 0)
            found[a["canonical_url"]] = (
                {k: a[k] for k in ("headline", "byline", "published_at", "section", "summary",
                                   "tags", "body_text", "word_count", "content_hash",
                                   "provenance")},
                sections, authors, [g["canonical_url"] for g in group])
        return found

    a, b = records(first), records(second)
    assert len(a) == 13 and a == b


def test_seed_template_pages_never_have_banner_label_or_popular_posts(tmp_path):
    db = tmp_path / "demo.db"
    with serve_directory(DEMO_SITE) as base_url:
        crawl(base_url, db, settings={"INGEST_TEMPLATE_MIN_PAGES": "3"})
        before = bodies(db)
    reextract(db, "--jobs", "2", "--min-pages", "3")
    after = bodies(db)
    # Learning a template took none of the demo articles' own text: sections as expected.
    for _page, url, expected in golden_cases():
        if url.startswith(GOLDEN_BASE):
            art = rows(db, "select id from articles where url = ?",
                       base_url + url[len(GOLDEN_BASE):])
            got = [(s["heading"], json.loads(s["paragraphs"])) for s in rows(
                db, "select heading, paragraphs from sections where article_id = ? "
                    "order by position", art[0]["id"])]
            assert got == [(s["heading"], s["paragraphs"]) for s in expected["sections"]], url
    seed_pages = [p for p in before if p.startswith(("news/", "business/", "ai/"))]
    assert len(seed_pages) >= 6
    for stage in (before, after):
        for path in seed_pages:
            body = stage[path]
            for chrome in ("The Future of Tech", "News & Insights", "Popular Posts"):
                assert chrome not in body, (path, chrome)
            section = rows(db, "select section from articles where url like ?", "%" + path)
            label = section[0]["section"]
            assert label and not body.startswith(label + "\n"), path


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_reextract_shows_progress_on_a_terminal(learned):
    _base, db, *_ = learned
    from .terminal import run_on_terminal

    returncode, shown = run_on_terminal(
        [sys.executable, "-m", "ingest.cli", "reextract", "--db", str(db), "--jobs", "2"],
        cwd=PROJECT_ROOT, timeout=120)
    assert returncode == 0
    assert b"re-extracting" in shown and b"100%" in shown, shown


def test_keep_raw_off_keeps_no_pages(tmp_path):
    db = tmp_path / "noraw.db"
    with serve_directory(SITE) as base_url:
        crawl(base_url, db, settings={"INGEST_KEEP_RAW": "False"})
    assert rows(db, "select count(*) n from raw_pages")[0]["n"] == 0
    assert rows(db, "select count(*) n from articles")[0]["n"] == 13
    assert rows(db, "select count(*) n from site_templates where is_template")[0]["n"] >= 3
