"""Checks every test of robustness applies to a record: types of the contract, clean text."""

from __future__ import annotations

import re
import signal
from contextlib import contextmanager
from datetime import datetime

from itemadapter import ItemAdapter

from ingest.items import Article, Author, Section

# Control characters other than the whitespace that separates paragraphs.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What markup or script from a page looks like if it leaks into text.
LEAKED_MARKUP = re.compile(r"</?(script|img|iframe|style|b|i|a)\b[^>]*>|onerror\s*=|"
                           r"javascript:|alert\(", re.I)

OPTIONAL_STR = ("headline", "byline", "published_at", "modified_at", "section", "summary",
                "language")


def check_record(article, *, markup_ok: tuple[str, ...] = (), check_markup: bool = True) -> dict:
    """Assert ``article`` has every field of the contract with its declared type, and no
    control character or page markup in its text. ``markup_ok``: text the page itself
    displays (escaped in its HTML), allowed to look like markup; ``check_markup=False`` for
    pages whose displayed text is random. Returns the dict."""
    assert isinstance(article, Article)
    record = ItemAdapter(article).asdict()
    assert set(record) == set(Article.__dataclass_fields__)
    for name in ("url", "canonical_url", "site", "body_text", "content_hash", "fetched_at"):
        assert isinstance(record[name], str), name
    for name in OPTIONAL_STR:
        assert record[name] is None or (isinstance(record[name], str) and record[name]), name
    assert isinstance(record["word_count"], int) and record["word_count"] >= 0
    assert record["word_count"] == len(record["body_text"].split())
    assert re.fullmatch(r"[0-9a-f]{64}", record["content_hash"])
    for name in ("published_at", "modified_at", "fetched_at"):
        if record[name]:
            assert datetime.fromisoformat(record[name]).utcoffset() is not None, name
    assert isinstance(article.tags, list) and all(isinstance(t, str) and t for t in article.tags)
    assert all(isinstance(a, Author) and isinstance(a.name, str) and a.name
               for a in article.authors)
    for a in article.authors:
        assert a.role is None or isinstance(a.role, str)
        assert a.url is None or a.url.startswith(("http://", "https://")), a.url
    assert all(isinstance(s, Section) and (s.heading is None or isinstance(s.heading, str))
               and all(isinstance(p, str) for p in s.paragraphs) for s in article.sections)
    assert isinstance(record["provenance"], dict)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in record["provenance"].items())
    for where, text in texts(article):
        assert not CONTROL.search(text), (where, text[:200])
        if not check_markup:
            continue
        cleaned = text
        for allowed in markup_ok:
            cleaned = cleaned.replace(allowed, "")
        leak = LEAKED_MARKUP.search(cleaned)
        assert leak is None, (where, leak and cleaned[max(0, leak.start() - 80):leak.end() + 80])
    return record


def texts(article):
    """(field, text) for every text value of a record."""
    for name in OPTIONAL_STR + ("body_text",):
        if getattr(article, name):
            yield name, getattr(article, name)
    for t in article.tags:
        yield "tags", t
    for a in article.authors:
        yield "authors.name", a.name
        if a.role:
            yield "authors.role", a.role
    for s in article.sections:
        if s.heading:
            yield "sections.heading", s.heading
        for p in s.paragraphs:
            yield "sections.paragraphs", p


@contextmanager
def time_limit(seconds: float, what: str):
    """Fail (TimeoutError) if the block runs longer than ``seconds``: a hang guard for pages
    that could make a parser or a regular expression go quadratic, not a speed target (those
    are in bench/). Main thread only (SIGALRM)."""
    def expired(signum, frame):
        raise TimeoutError(f"{what} took more than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
