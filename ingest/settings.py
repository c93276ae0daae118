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
# `ingest stats` compares each site's articles of this many days before its newest one with its
# history: a markup change shows in the next crawls, a week of articles is enough to see it
# and recent enough to act on.
INGEST_STATS_RECENT_DAYS = 7
# The store pipeline commits articles in batches of this many (1 = one transaction each): a
# batch is several times faster (bench/store.py). An item counts as scraped only once its
# batch has committed, so a kill loses nothing acknowledged (pipelines/batching.py).
INGEST_STORE_BATCH = 200
# ... and at least this often, so that a slow, polite crawl still stores as it goes.
INGEST_STORE_FLUSH_SECONDS = 1.0
# Seconds one page's extraction may take at crawl time (0: no limit). A real article takes
# milliseconds (the 10 MB bad-input page 1.4 s); a crafted page that would take longer is
# recorded in `pages` as an error with the reason and the crawl goes on (checked between
# extraction's stages and inside its loops: ingest/extract/budget.py).
INGEST_EXTRACT_TIMEOUT = 10.0
# Largest size, in SQLite pages (4 KiB each), the crawl's writers may grow the database to
# (0 = SQLite's own limit). Past it writes fail as on a full disk: the crawl stops and exits
# 2 with one line naming the database, instead of filling the disk the database shares.
INGEST_DB_MAX_PAGES = 0
# Revisit policy for what is not an article (ingest/crawl/schedule.py): a URL that answered 404/410
# or was dropped as not an article is not fetched again for this many hours, doubling with
# each repeat (they rarely come back, and a news site has thousands of dead tag links) ...
INGEST_GONE_RECHECK_HOURS = 24.0
# ... up to this many days (a page that does come back is found within a month).
INGEST_GONE_RECHECK_MAX_DAYS = 30.0
# Other errors are retried next run the first time (they may be transient), then after this
# many hours, doubling with each repeat up to a day.
INGEST_ERROR_RETRY_HOURS = 1.0
# Adaptive revisit of listing pages that are not start pages (sections, tags, archives;
# ingest/crawl/schedule.py listing_wait): one whose fetch showed no new link waits this long
# before the next fetch, doubling with each such fetch in a row: under an hourly cron, a
# section quiet once waits about a run, quiet five times in a row 16 hours.
# Start pages are fetched every run whatever they show, and feeds and sitemaps find most
# new articles, so a quiet section costs little to wait on.
INGEST_LISTING_RECHECK_HOURS = 1.0
# ... up to this many hours: every listing page is seen at least every two days, so a
# section that comes back to life is found within that (and its articles sooner by feeds).
INGEST_LISTING_RECHECK_MAX_HOURS = 48.0
# Discovery bounds, per site and run (issue 16): a hostile or broken site cannot make a crawl
# read feeds and sitemaps forever. When one bites, a stat (ingest/discovery/bound/...) and a
# pages row (outcome skipped, reason "discovery bound: ...") say so.
# Sitemap indexes inside sitemap indexes: the protocol allows one level; 3 allows for
# sites that nest by year and month, and stops chains thousands deep.
INGEST_SITEMAP_MAX_NESTING = 3
# Feeds and sitemaps read per site and run: a large site has a few dozen; page -> feed ->
# page chains (each page announcing a new feed) stop here.
INGEST_DISCOVERY_MAX_DOCUMENTS = 500
# Feed and sitemap entries read per site and run: four full 50,000-URL sitemaps.
INGEST_DISCOVERY_MAX_ENTRIES = 200_000
# robots.txt Sitemap: lines read per site: real sites list a handful.
INGEST_ROBOTS_MAX_SITEMAPS = 50
# Budgets per site and run (ingest/crawl/budget.py): a polite crawl's requests are its budget, and
# an hourly run must end before the next starts. 0 = no limit; sites.toml max_requests /
# max_seconds override per site. When one is spent the rest is left for the next run.
INGEST_SITE_MAX_REQUESTS = 0
INGEST_SITE_MAX_SECONDS = 0
# TEST-ONLY: seconds the store pipeline waits inside each article's write, after the article
# and before its raw page, fingerprints and duplicate sketch, logging a warning first. It
# makes the moment a kill once split an article from its raw page reachable, so that
# tests/test_write_window.py can SIGKILL a crawl there. Never set it in production: it
# holds the write transaction open. 0 = no wait.
INGEST_TEST_WRITE_PAUSE = 0.0

# --- crawling from several machines (README "Crawling from several machines") -----------
# Set (redis://HOST:6379/0, rediss:// for TLS, a password as redis://:PASSWORD@HOST) to make
# `scrapy crawl news` a worker: it takes requests from the shared frontier in that Redis,
# fetches and extracts them and sends the results to the coordinator (`ingest coordinate`);
# no database. Empty: the single-machine crawl.
INGEST_REDIS_URL = ""
# Prefix of every Redis key of one distributed crawl: two crawls on one Redis need two.
INGEST_REDIS_PREFIX = "ingest"
# A request a worker took comes back to the frontier after this many seconds without word from
# that worker (killed, cut off): a live worker renews its leases every third of it. Longer
# than a slow page (DOWNLOAD_TIMEOUT) is not needed, since renewal covers those.
INGEST_REDIS_LEASE_SECONDS = 30.0
# A request taken by this many workers, none of which answered (each killed or cut off while
# fetching it: a page that crashes its fetcher), is given up and recorded as an error, instead
# of being handed on forever; the next crawl tries it again.
INGEST_REDIS_MAX_DELIVERIES = 5
# How often a worker looks for new work when idle and renews leases, and how often the
# coordinator reads results: a tenth of a page's fetch time.
INGEST_REDIS_POLL_SECONDS = 0.1
# Requests the coordinator keeps on the frontier at once: enough for every worker's
# concurrency, few enough that the coordinator's scheduler still orders the rest by priority.
INGEST_REDIS_WINDOW = 256
# How long a worker started before any coordinator waits for the crawl's configuration.
INGEST_REDIS_CONFIG_WAIT_SECONDS = 3600.0
# `ingest coordinate --forever`: seconds between two seedings of the frontier (start pages,
# feeds, sitemaps, URLs due by the revisit policy).
INGEST_REDIS_RESEED_SECONDS = 300.0

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
# A longer Retry-After is kept in the database (table retry_holds, ingest/crawl/holds.py): that
# host (429) or URL (503) gets no request, in this run or a later one, before the time the
# server gave, but at most this many hours from its answer: a server saying "come back in a
# year" is most likely misconfigured, and a day costs it one more answer (`ingest frontier`
# shows the hold).
INGEST_RETRY_AFTER_HOLD_MAX_HOURS = 24.0
# Drops counted by reason into the crawl's stats (crawl_runs.stats, `ingest runs`); a summary
# line per site at the end of a crawl, and a progress line on a terminal
# (ingest.crawl.crawlreport).
EXTENSIONS = {"ingest.crawl.runstats.RunStats": 500,
              "ingest.crawl.crawlreport.CrawlReport": 510}
# How often the progress line is redrawn, in seconds, when standard error is a terminal
# (0 = never). Under cron or a pipe nothing is drawn whatever this says.
INGEST_PROGRESS_SECONDS = 2.0
# `scrapy crawl` is ingest/crawl/commands/crawl.py: Scrapy's, with the exit status of
# ingest/crawl/exitstatus.py (0 done, 1 nothing fetched, 2 usage or configuration error, a
# storage failure included) and start-up mistakes as one line naming the fix.
COMMANDS_MODULE = "ingest.crawl.commands"
# Scrapy's own depth limit is off: the spider honours each site's max_depth (sites.toml,
# default 3) itself, and a global DEPTH_LIMIT silently capped a max_depth above it. Feeds and
# sitemaps are bounded by the INGEST_DISCOVERY_* settings instead.
DEPTH_LIMIT = 0
# Cookies are not needed to read articles and make crawls depend on history.
COOKIES_ENABLED = False
# Scrapy's remote-control extensions are for a person poking a live crawl; a cron crawler has
# no such person, and each is a way into the process. The telnet console opens a port; 2.19's
# RemoteControl (on by default) runs Python sent over HTTP and writes a token file per run to
# ~/.local/state/scrapy/job_files/ (left behind, piling up, by every killed run). Both off.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- downloader middlewares ---------------------------------------------------------------
# The network guard runs first (before offsite at 50 and robots.txt at 100), so a redirect or
# link to a private, loopback or link-local address that is not the site's own configured
# host is refused before any connection, robots.txt included (ingest/crawl/netguard.py).
DOWNLOADER_MIDDLEWARES = {
    "ingest.crawl.middlewares.NetGuardMiddleware": 40,
    # Scrapy's offsite filter, recording in `pages` what it filters (a link, feed or sitemap
    # redirected to another host), which Scrapy's own drops without a trace.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "ingest.crawl.middlewares.RecordedOffsiteMiddleware": 50,
    # Retry-After on 429/503 (ingest/crawl/retry_after.py). 560: it sees responses before
    # RetryMiddleware (550), which would retry at once.
    "ingest.crawl.retry_after.RetryAfterMiddleware": 560,
    # Per-site budgets: after the network guard, before robots.txt is asked
    # (ingest/crawl/budget.py).
    "ingest.crawl.budget.BudgetMiddleware": 45,
    # A server's long Retry-After holds its host, across runs (ingest/crawl/holds.py): before
    # the budget, so that held requests spend none of it, and before robots.txt is asked.
    "ingest.crawl.holds.HostHoldMiddleware": 44,
}

# --- pipelines: one concern each, in this order -----------------------------------------
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.clean.CleanPipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    # Writes each article with its pages row, raw page, block fingerprints and duplicate
    # sketch in one transaction (one writer, one connection: pipelines/store.py).
    "pipelines.store.StorePipeline": 400,
    # Last: requests per new article, wasted share, time to first / 90% (crawl_runs.stats).
    "pipelines.efficiency.EfficiencyPipeline": 900,
}

# Exports with `-O out.jsonl` write UTF-8, not \u escapes.
FEED_EXPORT_ENCODING = "utf-8"
# `-O out.csv` writes nested fields (authors, sections, ...) as JSON, like `ingest export`.
FEED_EXPORTERS = {"csv": "ingest.crawl.feeds.RecordCsvItemExporter"}
LOG_LEVEL = "INFO"
# A dropped page is logged as its URL and the reason (not the whole record, at INFO).
LOG_FORMATTER = "ingest.crawl.logformat.IngestLogFormatter"
