"""Clean: Unicode (NFC) and whitespace normalisation of every text field, empty parts removed,
and the derived fields (body_text, word_count, content_hash) recomputed from the sections.
The work is ``ingest.extract.records.clean_article`` (re-extraction cleans the same way)."""

from __future__ import annotations

from ingest.extract.records import clean_article


class CleanPipeline:
    def process_item(self, item, spider=None):
        return clean_article(item)
