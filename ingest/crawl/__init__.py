"""The Scrapy-side components: middlewares, extensions, discovery, schedule, locks."""
