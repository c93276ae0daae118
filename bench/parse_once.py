#!/usr/bin/env python3
"""Per-page CPU of the crawl's callback work, parsed three times (before issue 11) vs once.

    python bench/parse_once.py SITE_DIR [--rounds 3]

SITE_DIR is a generated site (bench/sitegen.py, e.g. ``bench/crawl.py --keep DIR``). For
every HTML page, in one process and interleaved round by round (so a loaded machine slows
both alike), it times:

* before: Scrapy's selector (``response.text`` decoded and parsed: feed links, page kind,
  ``LinkExtractor.extract_links``), ``extract_article(response.text)``, and the raw-page
  pipeline's second parse for template fingerprints (parsel, ``strip_junk``, blocks);
* once: ``parse_page(bytes)`` and, from that tree, feed links, links
  (``TreeLinkExtractor``), page kind, ``extract_page(fingerprints=True)``.

Store writes are not in it (bench/crawl.py measures the whole crawl).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def fingerprints_as_before(html, url):
    """The raw-page pipeline's own parse for fingerprints (before issue 11)."""
    import parsel

    from ingest.extract import MAX_HTML_CHARS, chrome, content, decode_html
    from ingest.extract.template import fingerprints_of

    text = decode_html(html)[:MAX_HTML_CHARS]
    root = parsel.Selector(text=text, base_url=url).root
    chrome.strip_junk(root)
    blocks = content.iter_blocks(root)
    content.mark_chrome(blocks, root, chrome.ChromeMarks())
    return fingerprints_of(blocks)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("site", type=Path)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args(argv)

    from scrapy.http import HtmlResponse
    from scrapy.linkextractors import LinkExtractor

    from ingest.crawl.discovery import feed_links
    from ingest.crawl.links import TreeLinkExtractor, tree_selector
    from ingest.extract import extract_article, extract_page, parse_page
    from ingest.extract.pagekind import classify

    base = "http://127.0.0.1:8000/"
    pages = [(base + str(p.relative_to(args.site)), p.read_bytes())
             for p in sorted(args.site.rglob("*.html"))]
    if not pages:
        raise SystemExit(f"error: no .html pages under {args.site}; generate a site with "
                         f"bench/crawl.py --keep DIR first")
    old_links = LinkExtractor(allow_domains=["127.0.0.1"], unique=True)
    new_links = TreeLinkExtractor(allow_domains=["127.0.0.1"], unique=True)
    headers = {"Content-Type": "text/html"}

    def before(url, body):
        response = HtmlResponse(url, body=body, headers=headers)
        feed_links(response.selector, url)
        classify(response.selector.root, url)
        old_links.extract_links(response)
        extract_article(response.text, url)
        fingerprints_as_before(body, url)

    def once(url, body):
        response = HtmlResponse(url, body=body, headers=headers)
        page = parse_page(body, url, content_type="text/html")
        feed_links(tree_selector(page.root), url)
        new_links.extract_tree_links(page.root, url, body, response.encoding)
        classify(page.root, url, metadata=page.metadata)
        extract_page(page, fingerprints=True)

    totals = {"before": 0.0, "once": 0.0}
    for _ in range(args.rounds):
        for name, work in (("before", before), ("once", once)):
            t0 = time.process_time()
            for url, body in pages:
                work(url, body)
            totals[name] += time.process_time() - t0
    n = len(pages) * args.rounds
    b, o = (totals[k] / n * 1000 for k in ("before", "once"))
    print(f"{len(pages)} pages x {args.rounds} rounds, CPU ms per page: before {b:.2f}, "
          f"parsed once {o:.2f} ({b / o:.2f}x less)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
