"""The one record schema (contract, see docs/design.md "The record").

Plain dataclasses so that extraction does not import Scrapy; Scrapy and itemadapter
accept dataclass items, and ``ItemAdapter(article).asdict()`` gives exactly these keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Author:
    name: str
    role: str | None = None
    url: str | None = None


@dataclass
class Section:
    heading: str | None
    paragraphs: list[str] = field(default_factory=list)


@dataclass
class Article:
    url: str
    canonical_url: str
    site: str
    headline: str | None = None
    authors: list[Author] = field(default_factory=list)
    byline: str | None = None
    published_at: str | None = None
    modified_at: str | None = None
    section: str | None = None
    summary: str | None = None
    tags: list[str] = field(default_factory=list)
    language: str | None = None
    sections: list[Section] = field(default_factory=list)
    body_text: str = ""
    word_count: int = 0
    content_hash: str = ""
    fetched_at: str = ""
    provenance: dict[str, str] = field(default_factory=dict)


ARTICLE_FIELDS = tuple(Article.__dataclass_fields__)


# Record fields stored as JSON text in SQLite (and written as JSON text into CSV cells).
NESTED_FIELDS = ("authors", "tags", "sections", "provenance")
