"""request.meta keys shared by the spider, the pipelines and the middlewares (spiders/ and
pipelines/ never import each other: both import these)."""

#: request.meta key marking requests for pages of a site (not robots.txt and the like).
PAGE_META = "ingest_site"
#: request.meta key: the feed/sitemap date that made us request a page (ISO 8601 UTC).
HINT_META = "ingest_lastmod"
#: request.meta key of robots.txt requests made for their Sitemap: lines.
ROBOTS_META = "ingest_robots_site"
#: request.meta key: how many sitemap indexes lead to this discovery document (0: none).
NESTING_META = "ingest_nesting"
