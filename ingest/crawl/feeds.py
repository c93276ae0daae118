"""Scrapy feed exporters that write our record the way ``ingest export`` does.

``scrapy crawl news -O out.csv`` uses ``RecordCsvItemExporter`` (settings FEED_EXPORTERS):
nested fields (authors, tags, sections, provenance) as JSON text, as in
``ingest export --format csv``, rather than Scrapy's comma-joined lists, which cannot carry
authors or sections, and the header line even when the run scraped nothing new. JSON Lines
needs nothing: Scrapy's own exporter already writes the record.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from scrapy.exporters import CsvItemExporter

from ingest.items import ARTICLE_FIELDS, NESTED_FIELDS


def _plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return dataclasses.asdict(obj)
    raise TypeError(f"cannot write {type(obj).__name__} as JSON")


class RecordCsvItemExporter(CsvItemExporter):
    def serialize_field(self, field, name: str, value: Any) -> Any:
        if name in NESTED_FIELDS:
            return json.dumps(value, ensure_ascii=False, default=_plain)
        return super().serialize_field(field, name, value)

    def finish_exporting(self) -> None:
        # A run that scraped nothing new still writes the header: a consumer reading the
        # file with csv.DictReader (or pandas) gets an empty table, not an empty file.
        if self._headers_not_written and self.include_headers_line:
            self._headers_not_written = False
            fields = self.fields_to_export or ARTICLE_FIELDS
            if isinstance(fields, dict):
                fields = list(fields.values())
            self.csv_writer.writerow(list(fields))
        super().finish_exporting()
