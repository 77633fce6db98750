"""The erasure and export operations of /api/openapi.json (web/privacy.py)."""

from __future__ import annotations

from typing import Any

KINDS = [
    "contacts",
    "suppressions",
    "deliveries",
    "not_planned",
    "opens",
    "leads",
    "audit_entries",
    "files",
]
ERASURE = {
    "type": "object",
    "required": ["erased", "nothing_left"],
    "properties": {
        "erased": {
            "type": "object",
            "description": "how many of each kind were deleted or pseudonymised",
            "required": KINDS,
            "properties": {kind: {"type": "integer", "minimum": 0} for kind in KINDS},
        },
        "nothing_left": {
            "type": "boolean",
            "description": "the address was found nowhere (it stays suppressed)",
        },
    },
}
EMAIL = {
    "name": "email",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "maxLength": 254},
    "description": "the person's address (any case); never echoed back",
}


def privacy_paths(op: Any, json: Any, query: Any) -> dict[str, Any]:
    """op, json and query are web/openapi.py's own builders."""
    partner = query(
        "partner", {"type": "string", "maxLength": 64}, "only this partner's data (a slug)"
    )
    return {
        "/contacts/{email}": {
            "delete": op(
                "Erase a person from every partner's data, or ?partner's (admins only)",
                json(ERASURE),
                404,
                422,
                parameters=[EMAIL, partner],
            )
        },
        "/me/contacts/{email}": {
            "delete": op(
                "Erase a person from your contacts, deliveries, opens and leads",
                json(ERASURE),
                422,
                parameters=[EMAIL],
            )
        },
        "/me/export": {
            "get": op(
                "Your contacts, leads and results per campaign, as a zip",
                {
                    "description": "contacts.csv, leads.csv, results.csv, manifest.json",
                    "content": {"application/zip": {"schema": {"type": "string"}}},
                },
            )
        },
    }
