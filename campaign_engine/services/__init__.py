"""The use cases, one package per capability. Entry points (web/, commands/, pipeline/)
call these; these call domain/, db/ and infra/, never an entry point or the composition
root (bootstrap.py), and name renderers and connectors only through ports.py.

    access       who may act in whose name: accounts, memberships, sessions, sign-in links
    assets       kits, the brand each partner gives them, preview, preflight, artifacts
    attribution  tracked links, clicks and opens, callbacks, CSV events, tallies, leads
    campaigns    lifecycle, audience, planning, launch, review queue, ledger, notices
    delivery     where things go: senders, endpoints, provider checks, token expiry, health
    feedback     why partners opt out or skip, ratings, edits, replies, the report
    insights     the figures, campaign and programme reports, the partner's dashboard
    mdf          market development funds: allocations, requests, claims, payments
    partners     directory, profile, contacts, customisations, consent, the runway
    stewardship  backups, erasure, export, offboarding, retention
    workspace    the partner's asset library, landing pages, signature, embed, syndication

tests/unit/test_architecture.py keeps the arrows pointing one way.
"""
