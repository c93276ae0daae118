"""`ingest serve` for analysts (issue #15, points 7, 8 and 10): Datasette on a real crawl of
the demo site, with the project's article page, internal tables hidden, every view column
described, canned queries with forms, search snippets; checked over HTTP and in a real
headless Chromium, whose screenshots land in the test's tmp dir for a person to look at."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import urllib.parse
from pathlib import Path

import pytest

from .test_querying import _get, _json, datasette  # noqa: F401  (datasette is a fixture)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--window-size=1280,1600"]


def _html(url: str) -> str:
    status, body = _get(url)
    assert status == 200, url
    return body.decode()


def _article_id(db: Path, where: str = "1") -> int:
    con = sqlite3.connect(db)
    try:
        return con.execute(
            f"SELECT a.id FROM articles a WHERE {where} AND EXISTS (SELECT 1 FROM sections s "
            "WHERE s.article_id = a.id AND s.heading IS NOT NULL) AND EXISTS (SELECT 1 FROM "
            "article_authors aa WHERE aa.article_id = a.id AND aa.role IS NOT NULL) "
            "ORDER BY a.id LIMIT 1").fetchone()[0]
    finally:
        con.close()


def _one(db: Path, sql: str, *args):
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


# ---- over HTTP ----------------------------------------------------------------------------

def test_home_page_hides_internal_tables(datasette):
    from ingest.jobs.serve import HIDDEN_TABLES

    base, name = datasette
    home = _html(f"{base}/{name}")
    assert f'href="/{name}/articles"' in home
    for table in HIDDEN_TABLES:
        assert f'href="/{name}/{table}"' not in home, table


def test_every_view_column_is_described_in_words(datasette):
    base, name = datasette
    tables = _json(f"{base}/-/metadata.json")["databases"][name]["tables"]
    from ingest.store.schema_docs import VIEWS

    for view, rel in VIEWS.items():
        for column, text in tables[view]["columns"].items():
            assert not re.fullmatch(r"\w+\.\w+", text), (view, column, text)
            assert len(text.split()) >= 3, (view, column, text)


def test_search_query_has_a_form_and_snippets(datasette):
    base, name = datasette
    form = _html(f"{base}/{name}/search_articles")
    for param in ("q", "site", "since"):
        assert f'name="{param}"' in form
    rows = _json(f"{base}/{name}/search_articles.json?q=layoffs&site=&since=&_shape=array")
    assert rows and "[layoffs]" in rows[0]["snippet"].lower()


def test_author_query_takes_the_author_as_a_parameter(datasette, demo_crawl):
    base, name = datasette
    rows = _json(f"{base}/{name}/articles_of_an_author.json?author=Dolapo&since=&_shape=array")
    db = demo_crawl[1]
    [(expected,)] = _one(db, "SELECT count(*) FROM article_authors aa JOIN authors au ON "
                             "au.id = aa.author_id JOIN articles a ON a.id = aa.article_id "
                             "WHERE au.name LIKE '%Dolapo%' AND a.duplicate_of IS NULL")
    assert len(rows) == expected >= 1


def test_no_canned_query_has_hard_coded_search_terms(datasette):
    base, name = datasette
    queries = _json(f"{base}/-/metadata.json")["databases"][name]["queries"]
    for slug, q in queries.items():
        assert "MATCH '" not in q["sql"] and "name = '" not in q["sql"], slug


def test_article_page_shows_the_article(datasette, demo_crawl):
    base, name = datasette
    db = demo_crawl[1]
    aid = _article_id(db)
    page = _html(f"{base}/{name}/articles/{aid}")
    [(headline, published)] = _one(db, "SELECT headline, published_at FROM articles "
                                       "WHERE id = ?", aid)
    assert f'<h1 class="headline">{headline}' in page.replace("&#39;", "'")
    assert published in page
    for au_name, role in _one(db, "SELECT au.name, aa.role FROM article_authors aa JOIN "
                                  "authors au ON au.id = aa.author_id WHERE aa.article_id = ?",
                              aid):
        assert au_name in page and (role is None or f"({role})" in page)
    for (heading,) in _one(db, "SELECT heading FROM sections WHERE article_id = ? AND heading "
                               "IS NOT NULL", aid):
        assert f'<h2 class="section-heading">{heading}</h2>' in page.replace("&#39;", "'")
    for title in ("Provenance", "Revisions", "Duplicates"):
        assert f"<h2>{title}</h2>" in page


def test_readme_datasette_urls_show_each_facet_once(datasette):
    from .test_querying import DATASETTE_URLS

    base, name = datasette
    for url in DATASETTE_URLS:
        if ".json" in url:
            continue
        path = url.removeprefix("http://127.0.0.1:8001").replace("/demo", f"/{name}", 1)
        facets = re.findall(r'class="facet-info (facet-[^"]+)"', _html(base + path))
        assert len(facets) == len(set(facets)), (url, facets)


# ---- in a real browser --------------------------------------------------------------------

@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Debian's package), installed here where missing. Fails, never
    skips: the browser tests are part of the acceptance of issue #15."""
    if not Path(CHROMIUM).exists():
        apt = shutil.which("apt-get")
        if apt is None:
            pytest.fail(f"{CHROMIUM} is missing and there is no apt-get: install Chromium")
        for cmd in ([apt, "update"], [apt, "install", "-y", "chromium", "chromium-driver"]):
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
            if done.returncode:
                pytest.fail(f"{' '.join(cmd)} failed (run it as root): {done.stderr[-1500:]}")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} still missing after apt-get install chromium")
    return CHROMIUM


def _browse(chromium, tmp_path: Path, url: str, shot: str) -> str:
    """The DOM Chromium renders for ``url``; a screenshot of it saved as tmp_path/<shot>.png."""
    profile = tmp_path / f"profile-{shot}"
    common = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*common, "--dump-dom", url], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    png = tmp_path / f"{shot}.png"
    subprocess.run([*common, f"--screenshot={png}", url], capture_output=True, timeout=120,
                   cwd=tmp_path)
    assert png.exists() and png.stat().st_size > 1000, f"no screenshot of {url}"
    return dom.stdout


def test_browser_home_page(chromium, datasette, tmp_path):
    base, name = datasette
    dom = _browse(chromium, tmp_path, f"{base}/{name}", "home")
    assert "latest_articles" in dom and "Search articles" in dom
    assert ">raw_pages<" not in dom and ">article_bands<" not in dom


def test_browser_search(chromium, datasette, tmp_path):
    base, name = datasette
    q = urllib.parse.urlencode({"q": "layoffs", "site": "", "since": ""})
    dom = _browse(chromium, tmp_path, f"{base}/{name}/search_articles?{q}", "search")
    assert "TikTok trims US TikTok Shop staff" in dom
    assert re.search(r"\[layoffs\]", dom, re.I)


def test_browser_article_page(chromium, datasette, demo_crawl, tmp_path):
    base, name = datasette
    aid = _article_id(demo_crawl[1])
    dom = _browse(chromium, tmp_path, f"{base}/{name}/articles/{aid}", "article")
    [(headline,)] = _one(demo_crawl[1], "SELECT headline FROM articles WHERE id = ?", aid)
    assert headline in dom.replace("&#39;", "'")
    assert 'class="role"' in dom and 'class="section-heading"' in dom
    assert "Provenance" in dom and "Revisions" in dom and "Duplicates" in dom


def test_browser_canned_query_form(chromium, datasette, tmp_path):
    base, name = datasette
    dom = _browse(chromium, tmp_path, f"{base}/{name}/articles_of_an_author", "author-form")
    assert 'name="author"' in dom and 'name="since"' in dom and "<form" in dom


def test_article_page_links_copies_and_original(tmp_path):
    """A story and its copy under another URL (a real database, a real `ingest serve`): the
    original's page lists the copy, the copy's page names the original."""
    import socket
    import sys
    import time
    import urllib.error

    from ingest.store import Store

    from .test_store import make_article

    db = tmp_path / "dups.db"
    with Store(db) as st:
        _, orig = st.upsert_article(make_article("https://a.com/story", headline="Original"))
        _, copy = st.upsert_article(make_article("https://b.com/copy", body="Copied.", site="b.com",
                                                 headline="The copy"))
        with st.transaction() as conn:
            conn.execute("UPDATE articles SET duplicate_of = ?, similarity = 0.93 WHERE id = ?",
                         (orig, copy))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "ingest.cli", "serve", "--db", str(db),
                             "--port", str(port)], cwd=Path(__file__).resolve().parent.parent,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/dups/articles"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                original_page = _html(f"{base}/{orig}")
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.2)
        copy_page = _html(f"{base}/{copy}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    assert f'<a href="/dups/articles/{copy}">The copy</a> (b.com, similarity 0.93)' \
        in original_page
    assert "A copy of</strong>" in copy_page and f'href="/dups/articles/{orig}">Original</a>' \
        in copy_page


def test_facets_in_the_url_are_not_drawn_twice(datasette):
    """The URL the README used to give (facets the metadata already sets, asked again)."""
    base, name = datasette
    url = f"{base}/{name}/latest_articles?_facet=site&_facet=section&_facet_array=authors"
    facets = re.findall(r'class="facet-info (facet-[^"]+)"', _html(url))
    assert sorted(facets) == sorted(set(facets)) and len(facets) == 3, facets
    extra = _json(f"{base}/{name}/latest_articles.json?_facet=language&_facet=site")
    assert {"site", "section", "authors", "language"} == set(extra["facet_results"])
