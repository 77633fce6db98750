"""Adapters: (message, endpoint, idempotency key) -> Receipt, or a typed error. No database."""
