"""Feed ingestion: fetch (aiohttp, limits, SSRF guard), parse (feedparser), normalise to articles, schedule."""
