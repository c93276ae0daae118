"""A page parsed once (ingest.extract.page): extraction, page kind and template fingerprints
come from one tree, and template learning counts exactly what it counted when the raw-page
pipeline parsed every stored page a second time."""

import textwrap

import parsel
import pytest
from itemadapter import ItemAdapter

from ingest.extract import chrome, content, extract_article, extract_page, parse_page
from ingest.extract.pagekind import classify
from ingest.extract.template import (
    PageBlock,
    element_path,
    fingerprint,
    normalise_text,
    page_blocks,
)
from ingest.sites import load_sites
from ingest.store import Store
from ingest.store.templates import record_page_blocks, refresh_templates

from ingest.jobs.demo import PROJECT_ROOT

from .conftest import FIXTURES

PAGES = sorted([*FIXTURES.rglob("*.html"), *(PROJECT_ROOT / "ingest" / "demo_site").rglob("*.html")])


def fingerprints_as_before(html, url):
    """The raw-page pipeline's fingerprints before pages were parsed once (commit cee1ba0):
    its own parse with parsel, junk stripped, generic chrome marked. The reference."""
    from ingest.extract import MAX_HTML_CHARS, decode_html

    text = decode_html(html)[:MAX_HTML_CHARS]
    if not text.strip():
        return []
    root = parsel.Selector(text=text, base_url=url).root
    chrome.strip_junk(root)
    blocks = content.iter_blocks(root)
    content.mark_chrome(blocks, root, chrome.ChromeMarks())
    found = {}
    for b in blocks:
        norm = "" if b.chrome else normalise_text(b.text)
        if norm:
            fp = fingerprint(element_path(b.el), b.text, normalised=norm)
            found.setdefault(fp, PageBlock(fp, element_path(b.el), b.text))
    return list(found.values())


def url_of(path):
    return f"http://pages.test/{path.parent.name}/{path.name}"


def test_there_are_pages_to_compare():
    assert len(PAGES) >= 40


@pytest.mark.parametrize("path", PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_extraction_fingerprints_are_those_learning_counted_before(path):
    body, url = path.read_bytes(), url_of(path)
    before = fingerprints_as_before(body, url)
    ex = extract_page(parse_page(body, url), fingerprints=True)
    assert ex.fingerprints == before
    assert page_blocks(body, url) == before
    # and the record is the contract's, unchanged by asking for fingerprints
    assert ItemAdapter(ex.article).asdict() == ItemAdapter(
        extract_article(body, url, fetched_at=ex.article.fetched_at)).asdict()


def test_learned_templates_are_the_same(tmp_path):
    """The whole of learning, on the template site's pages: site_templates rows equal."""
    site = FIXTURES / "template-site"
    pages = sorted(site.rglob("*.html"))
    learned = []
    for name, prints in (("before", fingerprints_as_before),
                         ("once", lambda b, u: extract_page(parse_page(b, u),
                                                            fingerprints=True).fingerprints)):
        with Store(tmp_path / f"{name}.db") as store:
            for path in pages:
                url = f"http://circuitledger.test/{path.relative_to(site)}"
                record_page_blocks(store, url, prints(path.read_bytes(), url),
                                   seen_at="2026-11-27T00:00:00+00:00")
            summary = refresh_templates(store, "circuitledger.test", min_share=0.5,
                                        min_pages=5)
            rows = store.conn.execute(
                "SELECT fingerprint, path, example_text, pages_seen, is_template"
                " FROM site_templates ORDER BY fingerprint").fetchall()
        learned.append((summary, rows))
    assert learned[0] == learned[1]
    assert learned[0][0]["template_blocks"] > 0  # the comparison is not between two empties


def test_site_chrome_selectors_do_not_change_what_learning_counts(tmp_path):
    """The profile's chrome selectors shape the record, not the fingerprints (as before)."""
    (tmp_path / "sites.toml").write_text(textwrap.dedent("""
        [sites.gadgetledger]
        start_urls = ["https://gadgetledger.test/"]
        chrome_selectors = ["div.zz-box"]
    """))
    profile = load_sites(tmp_path / "sites.toml")["gadgetledger"]
    body = (FIXTURES / "profile" / "odd-cms.html").read_bytes()
    url = "https://gadgetledger.test/wearables/ring-trackers-stress"
    with_profile = extract_page(parse_page(body, url), profile, fingerprints=True)
    plain = extract_page(parse_page(body, url), fingerprints=True)
    assert with_profile.fingerprints == plain.fingerprints == fingerprints_as_before(body, url)
    assert with_profile.article.body_text != plain.article.body_text  # the selector bit


def test_page_kind_reads_the_parsed_metadata():
    page = parse_page(b'<html><head><meta property="og:type" content="article"></head>'
                      b'<body><p>x</p></body></html>', "https://x.test/news/")
    assert classify(page.root, page.url, metadata=page.metadata).kind == "article"
    extract_page(page)   # strips the <head>: the metadata was read before
    assert classify(page.root, page.url, metadata=page.metadata).kind == "article"
    assert classify(page.root, page.url).kind == "listing"  # re-read from the stripped tree


def test_header_charset_decides_bytes_that_are_not_utf8():
    body = "<html><body><h1>Caf\u00e9 cr\u00e8me</h1></body></html>".encode("cp1252")
    page = parse_page(body, "https://x.test/a", content_type="text/html; charset=windows-1252")
    assert "Caf\u00e9 cr\u00e8me" in "".join(page.root.itertext())
    utf8 = "<html><body><h1>Caf\u00e9</h1></body></html>".encode()
    assert "Caf\u00e9" in "".join(parse_page(utf8, "https://x.test/a",
                                             content_type="text/html").root.itertext())


# --- links from the same tree ---------------------------------------------------------------

BASE_AND_HIDDEN = (
    "<html><head><base href='/sub/'><link rel='alternate' type='application/rss+xml' "
    "href='/feed.xml'></head><body><a href='a.html'>A</a><div hidden><a href='/hidden'>H</a>"
    "</div><template><a href='/in-template'>T</a></template><!-- <a href='/commented'>C</a> -->"
    "<a href='caf\u00e9.html' rel='nofollow'>caf\u00e9</a><a href='http://elsewhere.test/x'>X</a>"
    "<a href='a.html'>A again</a></body></html>")


def link_pages():
    yield "base-and-hidden", BASE_AND_HIDDEN.encode("utf-8"), "text/html; charset=utf-8"
    yield "latin-1", BASE_AND_HIDDEN.encode("latin-1"), "text/html; charset=iso-8859-1"
    for path in PAGES:
        yield f"{path.parent.name}/{path.name}", path.read_bytes(), "text/html"


@pytest.mark.parametrize("name,body,content_type",
                         [pytest.param(*case, id=case[0]) for case in link_pages()])
def test_links_from_the_parsed_tree_are_scrapys(name, body, content_type):
    from scrapy.http import HtmlResponse

    from ingest.crawl.links import TreeLinkExtractor

    url = "http://pages.test/news/story.html"
    response = HtmlResponse(url, body=body, headers={"Content-Type": content_type})
    extractor = TreeLinkExtractor(allow_domains=["pages.test"], deny=[r"/login"], unique=True)
    page = parse_page(body, url, content_type=content_type)
    assert extractor.extract_tree_links(page.root, url, body, response.encoding) == \
        extractor.extract_links(response)
    # What the crawl calls: the same URLs in the same order, each raw href resolved once.
    assert extractor.tree_link_urls(page.root, url, body, response.encoding) == \
        [link.url for link in extractor.extract_links(response)]
    if name == "base-and-hidden":  # the cases that would differ after extraction's strip
        found = [link.url for link in extractor.extract_links(response)]
        assert found == ["http://pages.test/sub/a.html", "http://pages.test/hidden",
                         "http://pages.test/in-template", "http://pages.test/sub/caf%C3%A9.html"]


# Hrefs that resolve alike from different raw values, repeated, bogus, in a namespace, in
# <area>, filtered by extension and pattern: the raw-href shortcut keeps Scrapy's list.
TRICKY_LINKS = (
    "<html><body><a href=' /x.html '>1</a><a href='/x.html'>2</a><a href='x.html'>3</a>"
    "<a href='../news/x.html'>4</a><a href='http://[bad'>5</a><a>no href</a>"
    "<map><area href='/area.html'></map><a href='/doc.pdf'>pdf</a><a href='/login/x'>l</a>"
    "<a href='/x.html#frag'>f</a><a href='/x.html'>again</a><a href='mailto:a@b.test'>m</a>"
    "<a href='//pages.test/proto.html'>p</a><a href='HTTP://PAGES.TEST/Up.html'>u</a>"
    "<svg xmlns='http://www.w3.org/2000/svg'><a href='/in-svg'>s</a></svg></body></html>")


@pytest.mark.parametrize("kwargs", [
    {}, {"allow": [r"/x"]}, {"canonicalize": True}, {"attrs": ("href", "data-href")},
    {"restrict_text": [r"\d"]}, {"unique": False}, {"tags": "*"},
], ids=["default", "allow", "canonicalize", "two-attrs", "restrict-text", "not-unique",
        "any-tag"])
def test_link_urls_match_scrapys_with_every_option(kwargs):
    from scrapy.http import HtmlResponse

    from ingest.crawl.links import TreeLinkExtractor

    url = "http://pages.test/news/story.html"
    body = TRICKY_LINKS.replace("<a>no href", "<a data-href='/data.html' href='/y'>d").encode()
    response = HtmlResponse(url, body=body, headers={"Content-Type": "text/html"})
    extractor = TreeLinkExtractor(allow_domains=["pages.test"], deny=[r"/login"], **kwargs)
    page = parse_page(body, url, content_type="text/html")
    expected = [link.url for link in extractor.extract_links(response)]
    assert expected  # the page has links the options keep
    for _ in range(2):  # the second time from the remembered filter verdicts
        assert extractor.tree_link_urls(page.root, url, body, response.encoding) == expected


def test_remembered_filter_verdicts_are_bounded():
    from ingest.crawl.links import ALLOWED_CACHE_URLS, TreeLinkExtractor

    extractor = TreeLinkExtractor(allow_domains=["pages.test"])
    for i in range(ALLOWED_CACHE_URLS + 100):
        extractor._allowed(f"http://pages.test/{i}")
    assert extractor._allowed.cache_info().currsize == ALLOWED_CACHE_URLS
