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
refused with a logged reason, never executed.

What of scrapy-redis 0.9.1 is used, and what not (with Scrapy 2.19):

- its ``Scheduler`` (subclassed: ``worker.WorkerScheduler``), with a queue subclassing its
  ``queue.Base`` (``worker.FrontierQueue``: leased JSON stream entries instead of pickled
  list items, which ``kill -9`` lost) and a dupefilter subclassing its ``RFPDupeFilter`` (its
  Scheduler crashes with any other: it calls ``from_settings``, gone from Scrapy's own);
  SCHEDULER_PERSIST is forced on and ``clear`` does nothing (its default deleted the shared
  queue whenever one worker closed);
- not ``RedisSpider``: its ``start_requests`` is never called by Scrapy 2.16+, and its
  ``make_request_from_data`` turns every JSON key into form data (no headers, so no
  conditional GET); the worker spider is the news spider fed by the scheduler instead;
- not ``RedisPipeline``: its ``process_item`` returns a Deferred from a thread (deprecated),
  and a result must go out in the same transaction that releases its lease
  (``frontier.Frontier.complete``), which a pipeline cannot see;
- not its dupefilter's memory: fingerprints that never expire kept a lost request from ever
  being fetched again. The coordinator decides what is fetched (``ingest.crawl.schedule``).
"""
