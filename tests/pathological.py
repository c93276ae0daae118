"""Generated pathological pages (issue 16 item 2) and plain pages of similar size, for the
extraction-cost property test and `python -m tests.pathological` (prints the ratios)."""

from __future__ import annotations

import time

PARA = ("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
        "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
        "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.</p>\n")


def _page(body: str) -> bytes:
    return ("<!DOCTYPE html><html lang='en'><head><title>A headline here - Site</title></head>"
            "<body><article><h1>A headline here</h1>" + body + PARA * 5
            + "</article></body></html>").encode()


def bylines(n: int) -> bytes:
    return _page("".join(f"<p class=byline>By Jane Doe{i}</p>" for i in range(n)))


def attributes(n: int) -> bytes:
    return _page("<div " + " ".join(f"a{i}=x" for i in range(n)) + ">x</div>")


def deep_nesting(n: int) -> bytes:
    return _page("<div class=byline><p>By Jane Doe, or not.</p>" * n + "</div>" * n)


def links(n: int) -> bytes:
    return _page("<p>" + "".join(f'<a href="/author/x{i}">Jane Doe{i}</a> '
                                 for i in range(n)) + "</p>")


def tiny_blocks(n: int) -> bytes:
    return _page("".join(f"<div><span>w{i}</span></div>" for i in range(n)))


def plain(size: int) -> bytes:
    """An ordinary article page of about ``size`` bytes."""
    return _page(PARA * (size // len(PARA) + 1))


# kind -> (generator, the or a comparable count)
KINDS = {
    "bylines": (bylines, 8_000),
    "attributes": (attributes, 100_000),
    "deep nesting": (deep_nesting, 2_000),
    "links": (links, 5_000),
    "tiny blocks": (tiny_blocks, 10_000),
}


def seconds(extract, html: bytes, repeat: int = 3) -> float:
    """The fastest of ``repeat`` extractions (the least disturbed by other work)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        extract(html, "https://example.com/news/a.html")
        best = min(best, time.perf_counter() - start)
    return best


def ratio(extract, html: bytes) -> tuple[float, float, float]:
    """(seconds, plain page seconds, ratio of time per KB) for ``html``."""
    t = seconds(extract, html)
    p = seconds(extract, plain(len(html)))
    return t, p, t / p


if __name__ == "__main__":
    import sys

    from ingest.extract import extract_article

    for name, (make, n) in KINDS.items():
        html = make(int(sys.argv[1]) if len(sys.argv) > 1 else n)
        t, p, r = ratio(extract_article, html)
        print(f"{name:14} {len(html) / 1024:7.0f} KB  {t:7.3f} s  plain {p:6.3f} s  "
              f"ratio {r:6.1f}")
