"""Feeds and sitemaps that attack the parser, fetched by a real crawl from 127.0.0.1: external
entities (pointing at the trap server on 127.0.0.2 and at a local file) are not fetched or
read, entity expansion ("billion laughs") does not happen, gzip bombs stop at the size limit.
Each document is in `pages` with its reason; the crawl finishes. The entity check of
ingest/crawl/discovery.py looks at the first 64 KB; the "-late" documents put their DOCTYPE after
a 100 KB comment, so the XML parser's own settings are tested as well, and the check after
parsing (the internal subset libxml2 read) refuses them too. The UTF-16 and comment-in-DOCTYPE
documents are the two bypasses of issue 16 (internal entities expanded in attribute values)."""

from __future__ import annotations

import sqlite3
import subprocess

import pytest

from ingest.crawl.discovery import DiscoveryError, parse_document
from ingest.jobs.demo import PROJECT_ROOT

from .faultserver import crawl_command, crawl_env, hostile_xml, serve, write_sites

# What the local file that the external entities name contains.
SECRET = "xxe-secret-4f1c9a"


@pytest.fixture(scope="module")
def xml_crawl(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("xml")
    db = tmp / "xml.db"
    secret = tmp / "secret.txt"
    secret.write_text(SECRET)
    with serve(articles=2, fault_pages=False) as (server, trap):
        server.secret = str(secret)
        base = server.base_url
        docs = sorted(hostile_xml(base, trap.base_url, str(secret)))
        feeds = [base + p.lstrip("/") for p in docs if "feed" in p]
        sitemaps = [base + p.lstrip("/") for p in docs if "feed" not in p]
        sites = write_sites(tmp / "sites.toml", [base], feeds=feeds, sitemaps=sitemaps,
                            max_depth=1)
        result = subprocess.run(crawl_command(sites, db, {"LOG_LEVEL": "INFO"}),
                                cwd=PROJECT_ROOT, env=crawl_env(), capture_output=True,
                                text=True, timeout=300)
        hits, trap_hits = dict(server.hits), dict(trap.hits)
    assert result.returncode == 0, result.stderr[-4000:]
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    yield {"base": base, "con": con, "hits": hits, "trap_hits": trap_hits, "log": result.stderr}
    con.close()


def outcome(crawl, path):
    row = crawl["con"].execute("select outcome, reason from pages where url = ?",
                               (crawl["base"] + path.lstrip("/"),)).fetchone()
    assert row is not None, f"{path} is not in pages"
    return row["outcome"], row["reason"] or ""


def test_external_entities_never_fetched(xml_crawl):
    assert xml_crawl["trap_hits"] == {}


ENTITY_REFUSAL = ("error", "not a feed or sitemap: document declares XML entities (<!ENTITY>); "
                           "refused, feeds and sitemaps never need them")


@pytest.mark.parametrize("path", ["/xml/xxe-sitemap.xml", "/xml/laughs-sitemap.xml",
                                  "/xml/xxe-feed.xml"])
def test_entity_declarations_refused_with_reason(xml_crawl, path):
    assert outcome(xml_crawl, path) == ENTITY_REFUSAL


@pytest.mark.parametrize("path", ["/xml/xxe-sitemap-late.xml", "/xml/laughs-sitemap-late.xml",
                                  "/xml/xxe-feed-late.xml", "/xml/entities-sitemap-late.xml"])
def test_late_doctype_refused_after_parsing(xml_crawl, path):
    assert outcome(xml_crawl, path) == ENTITY_REFUSAL


@pytest.mark.parametrize("path", ["/xml/utf16-feed.xml", "/xml/comment-doctype-feed.xml"])
def test_entity_check_bypasses_refused(xml_crawl, path):
    """UTF-16, and a comment with "<x>" inside the DOCTYPE: refused, and no URL holding the
    expansion was discovered or stored."""
    assert outcome(xml_crawl, path) == ENTITY_REFUSAL
    assert xml_crawl["con"].execute(
        "select count(*) from pages where url like '%ssss%'").fetchone()[0] == 0


def _bypass_documents():
    small = '<!ENTITY s "ssss"><!ENTITY t "&s;&s;&s;&s;">'
    atom = ('<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE feed [' + small + ']><feed xmlns='
            '"http://www.w3.org/2005/Atom"><entry><link href="http://a.test/1?x=&t;"/></entry>'
            '</feed>')
    rdf = ('<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!-- <x> -->' + small + ']><rdf:RDF '
           'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/'
           'rss/1.0/"><item rdf:about="http://a.test/2?x=&t;"><title>t</title></item></rdf:RDF>')
    return {
        "utf-16 with BOM": atom.encode("utf-16"),
        "utf-16-le without BOM": atom.encode("utf-16-le"),
        "utf-16-be without BOM": atom.encode("utf-16-be"),
        "utf-32": atom.replace("UTF-16", "UTF-32").encode("utf-32"),
        "comment inside the DOCTYPE": rdf.encode(),
        "declaration after 64 KB": b"<!--" + b"x" * 70_000 + b"-->" + rdf.encode()[21:],
    }


@pytest.mark.parametrize("name", sorted(_bypass_documents()))
def test_discovery_parser_refuses_entities_whatever_the_encoding(name):
    with pytest.raises(DiscoveryError, match="declares XML entities"):
        parse_document(_bypass_documents()[name], "http://a.test/")


def test_no_entity_text_reached_the_database(xml_crawl):
    con = xml_crawl["con"]
    urls = [u for (u,) in con.execute("select url from pages")]
    text = "\n".join(urls + [t or "" for (t,) in con.execute(
        "select coalesce(headline, '') || body_text from articles")])
    assert SECRET not in text  # the local file was not read
    assert "aaaaaaaaaa" not in text and "ssssssss" not in text  # nothing expanded
    assert max(len(u) for u in urls) < 500


@pytest.mark.parametrize("path, reason", [
    ("/xml/bomb-sitemap.xml.gz", "inflates beyond"),
    ("/xml/bomb-transport.xml", "exceeded DOWNLOAD_MAXSIZE"),
])
def test_gzip_bomb_sitemaps_stopped_by_size_limits(xml_crawl, path, reason):
    kind, why = outcome(xml_crawl, path)
    assert kind == "error" and reason in why, (kind, why)


def test_good_sitemap_still_read(xml_crawl):
    assert outcome(xml_crawl, "/xml/good-sitemap.xml")[0] == "skipped"
    row = xml_crawl["con"].execute("select outcome from pages where url = ?",
                                   (xml_crawl["base"] + "article/0.html",)).fetchone()
    assert row["outcome"] in ("stored", "unchanged")
