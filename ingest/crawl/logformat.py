"""Log lines for drops that name the page and the reason, not the whole item."""

import logging

from scrapy import logformatter


class IngestLogFormatter(logformatter.LogFormatter):
    def dropped(self, item, exception, response, spider=None):
        return {
            "level": logging.INFO,
            "msg": "dropped %(url)s: %(reason)s",
            "args": {"url": getattr(item, "url", "?"), "reason": exception},
        }
