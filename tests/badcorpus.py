"""The bad-input corpus: the pages of tests/fixtures/bad plus the big ones built here.

The big pages (10 MB, 5,000-deep nesting, one huge line, binary noise) are generated rather
than committed: they are a few lines of code and megabytes of file. Everything here is ours.

``EXPECTED`` says what each page must give: ("article", text that must appear in the stored
record) or ("drop", the start of the drop reason). ``CONTENT_TYPES`` is the Content-Type a test
server sends with each page (the header can lie, which is one of the cases).
"""

from __future__ import annotations

import random
from pathlib import Path

BAD_DIR = Path(__file__).parent / "fixtures" / "bad"

_PARA = ("Engineers at the harbour authority said the new fibre ring will halve outages for the "
         "small businesses along the quay, and the council agreed to fund it over five years.")


def ten_megabytes() -> bytes:
    """A real article of just under 10 MB (our DOWNLOAD_MAXSIZE is 10 MiB): distinct
    paragraphs, so that neither chrome removal nor dedupe folds them away."""
    head = ("<!doctype html><html lang='en'><head><title>A very long report</title></head><body>"
            "<article><h1>A very long report on the fibre ring</h1><p class='byline'>By Mara "
            "Quill</p><time datetime='2025-03-04T09:00:00+00:00'>4 March 2025</time>")
    parts = [head]
    size, i = len(head), 0
    while size < 9_900_000:
        p = f"<p>Part {i}: {_PARA}</p>\n"
        parts.append(p)
        size += len(p)
        i += 1
    parts.append("</article></body></html>")
    return "".join(parts).encode()


def deep_nesting(depth: int = 5000) -> bytes:
    """5,000 nested divs around an article (deeper than libxml2's default limit of 256)."""
    body = ("<h1>Deeply nested article</h1><p class='byline'>By Mara Quill</p>"
            "<time datetime='2025-03-04T09:00:00+00:00'>4 March 2025</time>"
            + "".join(f"<p>{i}. {_PARA}</p>" for i in range(4)))
    return ("<html><body>" + "<div>" * depth + body + "</div>" * depth + "</body></html>").encode()


def deep_unclosed(depth: int = 5000) -> bytes:
    """5,000 nested elements never closed, ending mid-text."""
    return ("<html><body>" + "<div><span><b>" * depth + _PARA).encode()


def huge_line() -> bytes:
    """A 4 MB page on one line with no spaces in its text: no tokenizer may go quadratic."""
    return ("<html><body><h1>One line</h1><p>" + "x" * 2_000_000 + "</p><p>"
            + "By 2025-01-01 and " * 100_000 + "</p></body></html>").encode()


def binary_noise() -> bytes:
    """Random bytes (fixed seed), served as text/html."""
    rng = random.Random(7)
    return bytes(rng.randrange(256) for _ in range(200_000))


GENERATED = {
    "ten_megabytes.html": ten_megabytes,
    "deep_nesting.html": deep_nesting,
    "deep_unclosed.html": deep_unclosed,
    "huge_line.html": huge_line,
    "binary.html": binary_noise,
}

# What each page must give. For articles: a phrase that must be in headline or body, decoded
# correctly (so a charset mistake shows as a failed match, not as a silent mojibake).
EXPECTED: dict[str, tuple[str, str]] = {
    "truncated.html": ("article", "Harbour fibre ring approved"),
    "cp1252.html": ("article", "\u201cSmart\u201d caf\u00e9 opens on the quay"),
    "shift_jis.html": ("article", "\u5149\u30d5\u30a1\u30a4\u30d0\u30fc\u7db2\u3092\u627f\u8a8d"),
    "bom_utf8_declared_latin1.html": ("article", "Z\u00fcrich start-up na\u00efve no more"),
    "wrong_charset.html": ("article", "Mislabelled caf\ufffd page"),
    "conflicting_meta.html": ("article", "Two charsets, one caf\u00e9"),
    "empty.html": ("drop", "not an article: no headline"),
    "whitespace_only.html": ("drop", "not an article: no headline"),
    "scripts_only.html": ("drop", "not an article: no headline"),
    "jsonld_malformed.html": ("article", "Malformed structured data does not stop us"),
    "jsonld_hostile.html": ("article", "Hostile structured data is cleaned"),
    "impossible_dates.html": ("article", "Dates that cannot be"),
    "markup_injection.html": ("article", "Escaped <b>tags</b> stay text"),
    "control_chars.html": ("article", "Control"),
    "ten_megabytes.html": ("article", "A very long report on the fibre ring"),
    # libxml2 stops parsing beyond a depth of 2048 even with huge_tree: the article is lost
    # and the page is dropped (a real page nests a few dozen levels).
    "deep_nesting.html": ("drop", "not an article: no headline"),
    "deep_unclosed.html": ("drop", "not an article: no headline"),
    "huge_line.html": ("drop", "not an article"),
    "binary.html": ("drop", "not an article: no headline"),
}

# The Content-Type each page is served with. Pages not listed: "text/html" with no charset,
# so the page's own declaration (or sniffing) decides.
CONTENT_TYPES = {
    "binary.html": "text/html",
    # The header says latin-1, the page says (and is) UTF-8 with a BOM: the BOM wins.
    "bom_utf8_declared_latin1.html": "text/html; charset=iso-8859-1",
    "shift_jis.html": "text/html; charset=Shift_JIS",
}


def pages() -> dict[str, bytes]:
    """Every page of the corpus: name -> bytes."""
    found = {p.name: p.read_bytes() for p in sorted(BAD_DIR.glob("*.html"))}
    found.update({name: build() for name, build in GENERATED.items()})
    missing = set(EXPECTED) ^ set(found)
    if missing:
        raise AssertionError(f"tests/badcorpus.py EXPECTED and the corpus differ: "
                             f"{sorted(missing)}")
    return found
