"""Signals of our own, sent through Scrapy's signal manager (plain objects, as Scrapy's are)."""

#: The outcome of a fetched URL that produced no item: an error, a non-HTML page.
#: Handlers receive ``url``, ``outcome``, ``reason`` and ``status`` keyword arguments.
page_outcome = object()

#: An article went through the store: ``url`` and ``result`` ("new", "updated", "unchanged").
article_stored = object()
