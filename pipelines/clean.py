"""Clean: Unicode (NFC) and whitespace normalisation of every text field, empty parts removed,
and the derived fields (body_text, word_count, content_hash) recomputed from the sections."""

from __future__ import annotations

from ingest.extract import content_hash
from ingest.extract.content import sections_text
from ingest.extract.text import normalise


def _text(value):
    return normalise(value) or None if isinstance(value, str) else value


class CleanPipeline:
    def process_item(self, item, spider=None):
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
