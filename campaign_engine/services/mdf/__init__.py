"""Market development funds: allocations, requests, claims and payments on one ledger."""
