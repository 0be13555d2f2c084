"""Telegram update handlers: parse the update, call one domain use case, reply with notices."""
