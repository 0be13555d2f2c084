"""Inbound HTTP: the routes served by the bot's aiohttp server (the shop-floor board)."""
