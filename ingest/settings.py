"""Scrapy settings for `scrapy crawl news`. Every setting says why it has its value.

Override any of them on the command line (`-s NAME=VALUE`); INGEST_DB and INGEST_SITES also
read the environment variables of the same names.
"""

import os

BOT_NAME = "news-ingest"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# --- our own settings -------------------------------------------------------------------
# The SQLite database the store pipeline writes (created with its parent folder).
INGEST_DB = os.environ.get("INGEST_DB", "data/news.db")
# The sites to crawl (see README "Configuring sites").
INGEST_SITES = os.environ.get("INGEST_SITES", "sites.toml")
# Article validation: fewer body words than this is a teaser, a stub or a listing page.
INGEST_MIN_WORDS = 80
# Keep each stored article page's HTML, compressed, for `ingest reextract` (raw_pages).
INGEST_KEEP_RAW = True
# Learn each site's template (blocks repeated across its pages) and remove it from articles.
INGEST_TEMPLATES = True
# Let the learned body model (ingest/extract/body_model.*, `make train`) choose the body's
# blocks instead of the rules' last step. Off: out of fold it does not yet beat the rules on
# every dev set (README, "Learned body model"); needs the train extra (lightgbm).
INGEST_BODY_MODEL = False
# A block on at least this share of a site's articles, and on at least this many of them, is
# the site's template: "most pages", and never from a handful of pages about one event.
INGEST_TEMPLATE_MIN_SHARE = 0.5
INGEST_TEMPLATE_MIN_PAGES = 5
# Two bodies with at least this estimated Jaccard similarity (MinHash over 5-word shingles)
# are one article: the later is linked to the original (articles.duplicate_of).
INGEST_DUPLICATE_SIMILARITY = 0.8
# The store pipeline commits articles in batches of this many (1 = one transaction each): a
# batch is several times faster (bench/store.py). An item counts as scraped only once its
# batch has committed, so a kill loses nothing acknowledged (pipelines/batching.py).
INGEST_STORE_BATCH = 200
# ... and at least this often, so that a slow, polite crawl still stores as it goes.
INGEST_STORE_FLUSH_SECONDS = 1.0

# --- politeness -------------------------------------------------------------------------
# Say who we are and where to read about us; publishers block anonymous scrapers.
USER_AGENT = "news-ingest/0.1 (article indexer; +https://github.com/news-ingest/news-ingest)"
ROBOTSTXT_OBEY = True
# AutoThrottle adapts the delay to each server's latency: never faster than it can answer.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# At most this many requests in flight to one site at a time.
CONCURRENT_REQUESTS_PER_DOMAIN = 4
CONCURRENT_REQUESTS = 32
# Items processed in parallel per response. Scrapy starts this many worker tasks for every
# response whatever it yields; our pages yield one item (plus links), so the default of 100
# only costs: 8 makes a bare crawl 1.5x cheaper per page (bench/README.md, "Crawl").
CONCURRENT_ITEMS = 8
DOWNLOAD_DELAY = 0.25
# No article page needs more than 10 MB; a bigger body is a mistake or an attack.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
# Retry transient failures a few times, never forever.
RETRY_ENABLED = True
RETRY_TIMES = 2
# 429 and 503 with Retry-After: wait as told (the whole site slows down) before retrying, but
# never longer than this many seconds within one run; longer waits are left to the next run.
INGEST_RETRY_AFTER_MAX = 300.0
# Drops counted by reason into the crawl's stats (crawl_runs.stats, `ingest runs`).
EXTENSIONS = {"ingest.runstats.RunStats": 500}
# Follow links at most this deep from the start pages (a site profile can lower it).
DEPTH_LIMIT = 3
# Cookies are not needed to read articles and make crawls depend on history.
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- downloader middlewares ---------------------------------------------------------------
# The network guard runs first (before offsite at 50 and robots.txt at 100), so a redirect or
# link to a private, loopback or link-local address that is not the site's own configured
# host is refused before any connection, robots.txt included (ingest/netguard.py).
DOWNLOADER_MIDDLEWARES = {
    "ingest.middlewares.NetGuardMiddleware": 40,
    # Retry-After on 429/503 (ingest/retry_after.py). 560: it sees responses before
    # RetryMiddleware (550), which would retry at once.
    "ingest.retry_after.RetryAfterMiddleware": 560,
}

# --- pipelines: one concern each, in this order -----------------------------------------
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
    "pipelines.rawpages.RawPagePipeline": 500,
    "pipelines.duplicates.DuplicatePipeline": 600,
}

# Exports with `-O out.jsonl` write UTF-8, not \u escapes.
FEED_EXPORT_ENCODING = "utf-8"
# `-O out.csv` writes nested fields (authors, sections, ...) as JSON, like `ingest export`.
FEED_EXPORTERS = {"csv": "ingest.feeds.RecordCsvItemExporter"}
LOG_LEVEL = "INFO"
# A dropped page is logged as its URL and the reason (not the whole record, at INFO).
LOG_FORMATTER = "ingest.logformat.IngestLogFormatter"
