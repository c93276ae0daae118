"""What the pipelines do to a record, as plain functions: is it an article (``article_problem``)
and its cleaning (``clean_article``). The item pipelines call these during a crawl and
``ingest reextract`` calls them over stored pages, so a record is the same either way."""

from __future__ import annotations

from ingest.extract import content_hash
from ingest.extract.content import sections_text
from ingest.extract.text import normalise


def article_problem(item, min_words: int) -> str | None:
    """Why ``item`` is not an article, or None. Each reason names what is missing."""
    if not item.headline:
        return "not an article: no headline"
    if item.word_count < min_words:
        return f"not an article: body has {item.word_count} words, fewer than {min_words}"
    if not item.published_at and not item.authors:
        # Articles are dated or signed; about pages, listings and shop pages are neither.
        return "not an article: no publication date and no byline"
    return None


def _text(value):
    return normalise(value) or None if isinstance(value, str) else value


def clean_article(item):
    """Unicode NFC and whitespace normalisation of every text field, empty parts removed,
    body_text, word_count and content_hash recomputed from the sections. Returns ``item``."""
    for name in ("headline", "byline", "section", "summary", "language"):
        setattr(item, name, _text(getattr(item, name)))
    item.tags = [t for t in (normalise(t) for t in item.tags) if t]
    for author in item.authors:
        author.name = normalise(author.name)
        author.role = _text(author.role)
    item.authors = [a for a in item.authors if a.name]
    for section in item.sections:
        section.heading = _text(section.heading)
        section.paragraphs = [p for p in (normalise(p) for p in section.paragraphs) if p]
    item.sections = [s for s in item.sections if s.paragraphs or s.heading]
    item.body_text = sections_text(item.sections)
    item.word_count = len(item.body_text.split())
    item.content_hash = content_hash(item.body_text)
    return item
