"""Pages whose processing raised are still accounted for: a spider callback's exception
(spider_error) is recorded in `pages` as an error with its reason, against a real SQLite file.
(The pipeline case, item_error, is crawled for real in test_faults.py: fault/explode.)"""

import sqlite3

import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from ingest.crawl.meta import PAGE_META
from pipelines.store import StorePipeline


def test_spider_error_recorded_once_and_only_for_unaccounted_pages(tmp_path):
    db = tmp_path / "errors.db"
    crawler = get_crawler(scrapy.Spider, {"INGEST_DB": str(db), "INGEST_STORE_BATCH": 1})
    pipe = StorePipeline.from_crawler(crawler)
    spider = scrapy.Spider(name="errors")
    pipe.open_spider(spider)
    url = "http://127.0.0.1/broken.html"
    response = HtmlResponse(url, body=b"<html></html>", request=Request(url, meta={PAGE_META: "s"}))
    pipe.response_received(response, response.request)
    try:
        raise RuntimeError("callback blew up")
    except RuntimeError:
        failure = Failure()
    pipe.spider_error(failure, response)
    pipe.spider_error(failure, response)  # a second error on the same page: already accounted
    pipe.close_spider(spider)
    con = sqlite3.connect(db)
    try:
        rows = con.execute("select outcome, reason, status, fetch_count from pages").fetchall()
    finally:
        con.close()
    assert rows == [("error", "spider error: RuntimeError: callback blew up", 200, 1)]
