"""Work over a stored database: re-extraction, export, stats, serve, demo."""
