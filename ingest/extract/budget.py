"""A per-page extraction time budget, checked cooperatively inside extraction's loops.

``Deadline(seconds)`` is made by the caller for one page and passed to ``extract_article``
(state passed in, never a module global: the spider runs in Scrapy's reactor thread, and a
signal or a thread cannot safely interrupt it). Its ``check(stage)`` raises
``ExtractionTimeout`` once the time is up; the spider records the page as an error with that
reason and the crawl goes on. What a check cannot interrupt (libxml2's parse) is bounded by
the size and attribute caps of ``ingest.extract``.
"""

from __future__ import annotations

import time


class ExtractionTimeout(Exception):
    """Extraction of one page ran over its budget; the message says where and the fix."""


class Deadline:
    def __init__(self, seconds: float, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._at = clock() + seconds

    def check(self, stage: str) -> None:
        if self._clock() > self._at:
            raise ExtractionTimeout(
                f"extraction took over its {self.seconds:g} s budget (at {stage}); the page "
                f"is pathological, or raise INGEST_EXTRACT_TIMEOUT if it is genuine")
