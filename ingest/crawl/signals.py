"""Signals of our own, sent through Scrapy's signal manager (plain objects, as Scrapy's are)."""

#: The outcome of a fetched URL that produced no item: an error, a non-HTML page.
#: Handlers receive ``url``, ``outcome``, ``reason`` and ``status`` keyword arguments.
page_outcome = object()

#: An article went through the store: ``url`` and ``result`` ("new", "updated", "unchanged").
article_stored = object()

#: A server answered ``url`` with ``status`` (429/503) and a Retry-After of ``seconds``, longer
#: than a run waits (ingest/crawl/retry_after.py): its host or URL is held (ingest/crawl/holds.py).
retry_held = object()
