"""Scrapy spiders (SPIDER_MODULES = ["spiders"])."""
