"""Issue 16 item 9: what the crawl asked for and did not fetch has a `pages` row with its
reason. A followed link, a configured feed and a configured sitemap that each redirect to
another host are filtered (Scrapy's offsite filter, which drops silently): a real crawl
against a local server must record each with the reason."""

import sqlite3

from .servers import TestSite, article_html, crawl


def test_link_feed_and_sitemap_redirected_off_site_each_get_a_row(tmp_path):
    db = tmp_path / "news.db"
    with TestSite() as site:
        port = site.url("/").split(":")[2].split("/")[0]
        away = f"http://localhost:{port}"   # the same server under another host name
        site.set("/robots.txt", "User-agent: *\n", "text/plain")
        site.set("/", "<html><head><title>Home</title></head><body><h1>Home</h1>"
                 "<a href='/stories/kept.html'>kept</a> <a href='/stories/moved.html'>moved</a>"
                 " <a href='/stories/old.html'>old</a>"
                 "</body></html>")
        site.set("/stories/kept.html", article_html("A kept story",
                                                    published="2025-01-15T09:00:00+00:00"))
        for path in ("/stories/moved.html", "/feed.xml", "/sitemap.xml"):
            site.set(path, "", status=302, headers={"Location": away + path})
        # an old address of a page the crawl fetches anyway: the redirect is a duplicate
        site.set("/stories/old.html", "", status=302,
                 headers={"Location": site.url("/stories/kept.html")})
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(
            f'[sites.local]\nstart_urls = ["{site.url("/")}"]\n'
            f'feeds = ["{site.url("/feed.xml")}"]\nsitemaps = ["{site.url("/sitemap.xml")}"]\n')
        result = crawl(db, site="local", sites_file=sites_file)
        assert result.returncode == 0, result.stderr[-3000:]
    con = sqlite3.connect(db)
    try:
        rows = dict(con.execute("SELECT url, outcome || ': ' || coalesce(reason, '') FROM pages"
                                ).fetchall())
    finally:
        con.close()
    for path in ("/stories/moved.html", "/feed.xml", "/sitemap.xml"):
        row = rows.get(site.url(path))
        assert row is not None, f"{path} has no pages row: {sorted(rows)}"
        assert row.startswith("skipped: redirected off-site to " + away + path), row
        assert "offsite" in row
    assert rows[site.url("/stories/kept.html")].startswith("stored")
    assert rows[site.url("/stories/old.html")] == (
        f"skipped: redirected to {site.url('/stories/kept.html')}, requested already in this run")
