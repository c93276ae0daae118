"""Crawling from several machines: the distributed layer over scrapy-redis.

Roles (README "Crawling from several machines"):

- worker (``scrapy crawl news -s INGEST_REDIS_URL=...``): takes requests from the shared
  frontier (``frontier.Frontier``, a Redis stream with a consumer group and leases), fetches
  them at one per-site rate shared by every worker (``ratelimit``), obeys robots.txt fetched
  once per site (``robots``), extracts, and sends the result back; no database.
- coordinator (``ingest coordinate``): the one process beside the database. It runs the news
  spider with a download handler that sends each request to the frontier and waits for its
  result (``coordinator``), so scheduling, the revisit policy and the pipelines are the
  single-machine crawl's own, unchanged.

Everything in Redis is JSON (``codec``), validated when read: a malformed or hostile entry is
refused with a logged reason, never executed. scrapy-redis pickles requests, so its queues
are subclassed here with JSON ones (``worker``).
"""
