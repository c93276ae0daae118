"""Every fixture page against the record written by hand beside it, field by field."""

import pytest
from itemadapter import ItemAdapter

from ingest.extract import content_hash, extract_article
from ingest.extract.content import sections_text
from ingest.items import ARTICLE_FIELDS, Section

from .conftest import FROZEN_FETCHED_AT, golden_cases

CASES = golden_cases()
# Fields computed from others: checked by recomputation, not written by hand.
DERIVED = {"body_text", "word_count", "content_hash", "fetched_at"}


def test_there_are_golden_fixtures():
    assert len(CASES) >= 8


@pytest.mark.parametrize("page,url,expected", CASES, ids=[c[1] for c in CASES])
def test_golden_page(page, url, expected):
    record = ItemAdapter(extract_article(page.read_bytes(), url,
                                         fetched_at=FROZEN_FETCHED_AT)).asdict()
    assert set(record) == set(ARTICLE_FIELDS)
    for field in sorted(set(expected) - DERIVED):
        assert record[field] == expected[field], field
    sections = [Section(**s) for s in record["sections"]]
    assert record["body_text"] == sections_text(sections)
    assert record["word_count"] == len(record["body_text"].split())
    assert record["content_hash"] == content_hash(record["body_text"])
    assert record["fetched_at"] == FROZEN_FETCHED_AT
