"""The factory: entities, rules and use cases. Knows nothing of Telegram or HTTP."""
