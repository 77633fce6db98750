"""Tracing results back to each partner: tracked links and unsubscribe tokens (links),
clicks and opens (tracking), CRM and web-form callbacks (callbacks), deals from CSV
(eventimport), the running counts every report reads (tallies), and leads (leads/)."""
