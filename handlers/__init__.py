"""Inbound adapters: Telegram update handlers (and, later, HTTP routes)."""
