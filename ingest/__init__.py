"""news-ingest: crawl tech news sites into clean article records in SQLite."""
