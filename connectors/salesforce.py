"""Salesforce: talking points as a Task (REST sObjects API) on the partner's account."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from campaign_engine.errors import PermanentError
from campaign_engine.ports import Endpoint, Message, ProviderStatus, Receipt
from connectors.httpjson import JsonApi

API_VERSION = "v61.0"


class SalesforceConnector:
    name = "salesforce"

    def __init__(self, api: JsonApi) -> None:
        self.api = api

    def validate(self, endpoint: Endpoint) -> None:
        if not endpoint.url or not endpoint.config.get("token"):
            raise PermanentError("the Salesforce endpoint needs its instance URL and a token")

    def publish(self, message: Message, endpoint: Endpoint, idempotency_key: str) -> Receipt:
        self.validate(endpoint)
        assert endpoint.url is not None
        text = message.payload.get("text", {})
        body = next(iter(text.values()), "") if isinstance(text, dict) else str(text)
        task = {
            "Subject": f"Talking points: {message.subject}"[:255],
            "Description": f"{body}\n\n(ref {idempotency_key})"[:32000],
            "ActivityDate": datetime.now(UTC).date().isoformat(),
            "Status": "Not Started",
        }
        if endpoint.config.get("account_id"):
            task["WhatId"] = endpoint.config["account_id"]
        url = f"{endpoint.url.rstrip('/')}/services/data/{API_VERSION}/sobjects/Task"
        response = self.api.call("POST", url, token=endpoint.config["token"], json=task)
        result = response.json()
        if not result.get("success", False):
            raise PermanentError(f"Salesforce refused the task: {result}")
        return Receipt(
            provider=self.name,
            reference=str(result["id"]),
            accepted_at=datetime.now(UTC),
            detail="task created",
        )

    def fetch_status(self, reference: str, endpoint: Endpoint) -> ProviderStatus:
        """The Task's own Status ("Not Started", "Completed"): whether the partner acted."""
        self.validate(endpoint)
        assert endpoint.url is not None
        url = (
            f"{endpoint.url.rstrip('/')}/services/data/{API_VERSION}/sobjects/Task/"
            f"{reference}?fields=Status,IsClosed"
        )
        response = self.api.call("GET", url, token=endpoint.config["token"], missing_ok=True)
        if response.status_code != 200:
            return ProviderStatus("removed", "the task was deleted in Salesforce")
        task = response.json()
        return ProviderStatus("live", f"task {task.get('Status', 'open')}")

    def push_lead(self, lead: Mapping[str, str], endpoint: Endpoint, key: str) -> Receipt:
        """A Lead (REST sObjects API); Salesforce requires LastName and Company."""
        self.validate(endpoint)
        assert endpoint.url is not None
        first, _, last = (lead.get("name") or "").rpartition(" ")
        record = {
            "FirstName": first[:40],
            "LastName": (last or lead["email"].split("@")[0])[:80],
            "Company": (lead.get("company") or "Not given")[:255],
            "Email": lead["email"],
            "Phone": lead.get("phone", "")[:40],
            "LeadSource": "Partner landing page",
            "Description": f"{lead.get('message', '')}\n\n(ref {key})".strip()[:32000],
        }
        url = f"{endpoint.url.rstrip('/')}/services/data/{API_VERSION}/sobjects/Lead"
        response = self.api.call(
            "POST", url, token=endpoint.config["token"], json={k: v for k, v in record.items() if v}
        )
        result = response.json()
        if not result.get("success", False):
            raise PermanentError(f"Salesforce refused the lead: {result}")
        return Receipt(
            provider=self.name,
            reference=str(result["id"]),
            accepted_at=datetime.now(UTC),
            detail="lead created",
        )
