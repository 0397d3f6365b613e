"""Publishing: from events to messages.

post (EventPost) -> render (RenderedPost within Discord's limits, feed text escaped) -> poster (the Poster
protocol and its errors; ConsolePoster here, DiscordPoster in bot.discord). policy holds the pure decisions,
outbox enqueues rows and drains them (channel does one channel's work), digest posts the daily summary, and
charts draws the PNGs.
"""
