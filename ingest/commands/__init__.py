"""Scrapy command overrides (COMMANDS_MODULE in ingest.settings)."""
