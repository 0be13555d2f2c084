"""Composition root: config, CLI, i18n, rendering, inbox/outbox, barcodes, cards, demo."""
