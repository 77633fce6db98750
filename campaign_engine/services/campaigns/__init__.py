"""Campaigns: their lifecycle, launching and re-planning, recurrences, the partners'
review queue, and the ledger of what each campaign sent and did not send."""
