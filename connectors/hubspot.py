"""HubSpot: talking points as a note on the partner's CRM (CRM v3 objects API), associated
with the company the partner's endpoint names."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from campaign_engine.errors import PermanentError
from campaign_engine.ports import Endpoint, Message, ProviderStatus, Receipt
from connectors.httpjson import JsonApi

NOTE_TO_COMPANY = 190  # HubSpot-defined association type id: note -> company


class HubSpotConnector:
    name = "hubspot"

    def __init__(self, api: JsonApi) -> None:
        self.api = api

    def validate(self, endpoint: Endpoint) -> None:
        if not endpoint.config.get("token"):
            raise PermanentError("the HubSpot endpoint has no access token")

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        self.validate(endpoint)
        base = (endpoint.url or "https://api.hubapi.com").rstrip("/")
        text = message.payload.get("text", {})
        body = next(iter(text.values()), "") if isinstance(text, dict) else str(text)
        # "associations" is required by HubSpot's create schema (SimplePublicObjectInputForCreate
        # in its OpenAPI documents), so it goes in even when empty; the same for contacts.
        note = {
            "properties": {
                "hs_timestamp": datetime.now(UTC).isoformat(),
                "hs_note_body": f"{body}\n\n(ref {idempotency_key})",
            },
            "associations": [],
        }
        if endpoint.config.get("company_id"):
            note["associations"] = [
                {
                    "to": {"id": endpoint.config["company_id"]},
                    "types": [
                        {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": NOTE_TO_COMPANY,
                        }
                    ],
                }
            ]
        response = self.api.call(
            "POST", f"{base}/crm/v3/objects/notes", token=endpoint.config["token"], json=note
        )
        return Receipt(
            provider=self.name,
            reference=str(response.json().get("id", "")),
            accepted_at=datetime.now(UTC),
            detail="note created",
        )

    def fetch_status(self, reference: str, endpoint: Endpoint) -> ProviderStatus:
        """A note the partner deleted (or archived) answers 404."""
        self.validate(endpoint)
        base = (endpoint.url or "https://api.hubapi.com").rstrip("/")
        response = self.api.call(
            "GET",
            f"{base}/crm/v3/objects/notes/{reference}",
            token=endpoint.config["token"],
            missing_ok=True,
        )
        if response.status_code != 200:
            return ProviderStatus("removed", "the note was deleted in HubSpot")
        return ProviderStatus("live", "note on the company record")

    def push_lead(self, lead: Mapping[str, str], endpoint: Endpoint, key: str) -> Receipt:
        """A contact (CRM v3), with where it came from in its properties."""
        self.validate(endpoint)
        base = (endpoint.url or "https://api.hubapi.com").rstrip("/")
        first, _, last = (lead.get("name") or "").partition(" ")
        properties = {
            "email": lead["email"],
            "firstname": first,
            "lastname": last,
            "company": lead.get("company", ""),
            "phone": lead.get("phone", ""),
            "hs_lead_status": "NEW",
            "message": f"{lead.get('message', '')}\n\n(landing page, ref {key})".strip(),
        }
        response = self.api.call(
            "POST",
            f"{base}/crm/v3/objects/contacts",
            token=endpoint.config["token"],
            json={"properties": {k: v for k, v in properties.items() if v}, "associations": []},
        )
        return Receipt(
            provider=self.name,
            reference=str(response.json().get("id", "")),
            accepted_at=datetime.now(UTC),
            detail="contact created",
        )
