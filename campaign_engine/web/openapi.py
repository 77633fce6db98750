"""The OpenAPI 3.1 description of /api/v1, served at /api/openapi.json. Request bodies come
from the same pydantic models the views validate with, so the two cannot drift; response
shapes are written out here and checked against the running app by schemathesis."""

from __future__ import annotations

from functools import cache
from typing import Any

from campaign_engine.domain.ledger import Reason
from campaign_engine.domain.lifecycle import CampaignStatus
from campaign_engine.ports import CHANNELS
from campaign_engine.web.openapi_mdf import mdf_paths, mdf_schemas
from campaign_engine.web.openapi_privacy import privacy_paths

MODES = ["auto", "review", "off"]
COUNTS = {
    "type": "object",
    "required": ["pending", "sent", "failed", "skipped"],
    "properties": {k: {"type": "integer"} for k in ("pending", "sent", "failed", "skipped")},
}
# The programme's headline figures (services/insights/figures.py), in both reports.
HEADLINE = {
    "partners": {"type": "integer"},
    "signed": {"type": "integer"},
    "live": {"type": "integer"},
    "idle": {"type": "integer"},
    "live_rate": {"type": "number"},
}
REASON = {"$ref": "#/components/schemas/Reason"}
DECIMAL = {"type": ["string", "number"], "description": "a decimal amount"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def page(item: str) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total"],
        "properties": {
            "items": {"type": "array", "items": ref(item)},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 200},
            "total": {"type": "integer", "minimum": 0},
        },
    }


def obj(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _schemas() -> dict[str, Any]:
    from campaign_engine.domain.campaign_options import CampaignEdit
    from campaign_engine.services.attribution.callbacks import InboundEvent
    from campaign_engine.services.insights.programme import FUNNEL_STAGES
    from campaign_engine.web.api_schemas import (
        ConsentChange,
        Decision,
        MilestoneCallback,
        MilestoneChange,
        NewCampaign,
        OwnerChange,
        ProfileChange,
    )

    schemas: dict[str, Any] = {}
    for model in (
        NewCampaign,
        ConsentChange,
        Decision,
        ProfileChange,
        MilestoneChange,
        MilestoneCallback,
        OwnerChange,
        InboundEvent,
        CampaignEdit,
    ):
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    nullable_str = {"type": ["string", "null"]}
    schemas.update(
        Problem=obj(
            ["title", "status"],
            type={"type": "string"},
            title={"type": "string"},
            status={"type": "integer"},
            detail={"type": "string"},
        ),
        Campaign=obj(
            ["id", "name", "slug", "status", "kit", "audience"],
            id={"type": "integer"},
            name={"type": "string"},
            slug={"type": "string"},
            status={"enum": [s.value for s in CampaignStatus]},
            kit={"type": "string"},
            audience={
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            launch_at=nullable_str,
            consent_default={"enum": [*MODES, None]},
            preview_days={"type": "integer"},
            send_time=nullable_str,
            send_weekday=nullable_str,
            recurrence=nullable_str,
            always_on={"type": "boolean"},
            deliveries={"type": ["integer", "null"]},
            partner_title=nullable_str,
            partner_description=nullable_str,
            title={"type": "string", "description": "what partners read"},
            banner_priority={"type": "integer"},
            moved={"type": "integer"},
        ),
        Retried={
            "allOf": [
                ref("Campaign"),
                obj(
                    ["deliveries", "not_resent", "message"],
                    deliveries={"type": "integer", "description": "failed deliveries queued"},
                    not_resent={
                        "type": "object",
                        "propertyNames": REASON,
                        "additionalProperties": {"type": "integer"},
                        "description": "failed deliveries left failed, by why they cannot "
                        "be sent (suppressed: the recipient unsubscribed or bounced)",
                    },
                    message={"type": "string"},
                ),
            ]
        },
        Status=obj(
            ["id", "status", "deliveries", "scheduled_later", "problems", "ledger"],
            id={"type": "integer"},
            name={"type": "string"},
            status={"type": "string"},
            always_on={"type": "boolean"},
            deliveries={"type": "object", "additionalProperties": COUNTS},
            steps=obj(
                ["due", "waiting", "sent", "skipped"],
                **{k: {"type": "integer"} for k in ("due", "waiting", "sent", "skipped")},
            ),
            scheduled_later={"type": "integer"},
            problems={"type": "array", "items": {"type": "object"}},
            ledger=ref("Ledger"),
            launch_at={**nullable_str, "format": "date-time"},
            waiting_for_review={
                "type": "integer",
                "description": "items held for partners' approval (not in scheduled_later)",
            },
            first_review_deadline_at={**nullable_str, "format": "date-time"},
            next_send_at={
                **nullable_str,
                "format": "date-time",
                "description": "the next item due to go out (or the launch), ISO 8601 UTC",
            },
            next_send_by_channel={
                "type": "object",
                "additionalProperties": {**nullable_str, "format": "date-time"},
            },
            next_occurrence_at={
                **nullable_str,
                "format": "date-time",
                "description": "a recurring campaign's next run",
            },
        ),
        Reason={
            "type": "string",
            "enum": [r.value for r in Reason],
            "description": "why an item was not sent (domain/ledger.py)",
        },
        Ledger=obj(
            ["targeted", "not_planned", "not_sent", "outside_audience"],
            targeted={"type": "object", "additionalProperties": {"type": "integer"}},
            not_planned={"type": "object", "additionalProperties": {"type": "integer"}},
            not_sent={
                "type": "array",
                "items": obj(
                    ["reason", "label", "channel", "count"],
                    reason=REASON,
                    label={"type": "string"},
                    channel={"type": "string"},
                    count={"type": "integer"},
                ),
            },
            outside_audience={"type": "integer"},
        ),
        NotSentItem=obj(
            ["partner", "partner_name", "channel", "recipient", "reason", "label"],
            partner={"type": "string"},
            partner_name={"type": "string"},
            channel={"type": "string"},
            recipient={"type": "string"},
            reason=REASON,
            label={"type": "string"},
            detail={"type": ["string", "null"]},
        ),
        Report=obj(
            ["campaign", "totals", "partners", "channels", "ledger"],
            ledger=ref("Ledger"),
            campaign={"type": "object"},
            totals={"type": "object"},
            partners={"type": "object", "additionalProperties": {"type": "object"}},
            channels={"type": "object", "additionalProperties": {"type": "object"}},
            notes={"type": "array", "items": {"type": "string"}},
        ),
        Partner=obj(
            ["slug", "name", "tier", "region", "vertical", "has_logo", "profile_complete"],
            slug={"type": "string"},
            name={"type": "string"},
            short_name={"type": "string", "maxLength": 40},
            contact_email={"type": "string"},
            tier={"type": "string"},
            region={"type": "string"},
            vertical={"type": "string"},
            timezone={"type": "string"},
            locale={"type": "string"},
            tags={"type": "array", "items": {"type": "string"}},
            has_logo={"type": "boolean"},
            profile_complete={"type": "integer", "minimum": 0, "maximum": 100},
            next_action={"type": "string"},
            pending_contact_email={
                "type": ["string", "null"],
                "description": "a new contact address waiting for its owner to confirm it",
            },
        ),
        Programme=obj(
            [*HEADLINE, "campaigns", "cohorts", "funnel", "summary"],
            **HEADLINE,
            campaigns={"type": "array", "items": {"type": "object"}},
            funnel=obj(list(FUNNEL_STAGES), **{k: {"type": "integer"} for k in FUNNEL_STAGES}),
            lead_follow_up=obj(
                [
                    "leads",
                    "untouched",
                    "acceptance_rate",
                    "median_hours_to_first_touch",
                    "partners",
                ],
                leads={"type": "integer"},
                untouched={"type": "integer"},
                acceptance_rate={"type": ["number", "null"]},
                median_hours_to_first_touch={"type": ["number", "null"]},
                partners={"type": "object", "additionalProperties": {"type": "object"}},
            ),
            opt_out_reasons=obj(
                ["targeted", "opted_out", "opt_out_rate", "given", "reasons"],
                targeted={"type": "integer"},
                opted_out={"type": "integer"},
                opt_out_rate={"type": ["number", "null"]},
                given={"type": "integer"},
                reasons={"type": "object", "additionalProperties": {"type": "integer"}},
            ),
            median_days_to_first_pipeline={"type": ["number", "null"]},
            cohorts={"type": "object"},
            top_20_percent_share_of_pipeline={"type": ["number", "null"]},
            summary={"type": "string"},
        ),
        AudienceCount=obj(
            ["partners", "opted_out", "reached"],
            partners={"type": "integer"},
            opted_out={"type": "integer"},
            reached={"type": "integer"},
        ),
        MyCampaign=obj(
            ["id", "name", "status", "modes"],
            id={"type": "integer"},
            name={"type": "string"},
            status={"type": "string"},
            modes={"type": "object", "additionalProperties": {"enum": MODES}},
            delivered={"type": "integer"},
            waiting_for_review={"type": "integer"},
            title={"type": "string", "description": "the campaign's title as partners read it"},
            description={"type": "string"},
            launch_at={**nullable_str, "format": "date-time"},
            upcoming={
                "type": "array",
                "description": "the items still to come, soonest first, times in the "
                "partner's timezone; from a draft's creation on",
                "items": obj(
                    ["channel", "asset", "due_at", "waits_for_review", "review_by"],
                    channel={"enum": list(CHANNELS)},
                    asset={"type": "string"},
                    due_at={**nullable_str, "format": "date-time"},
                    waits_for_review={"type": "boolean"},
                    review_by={**nullable_str, "format": "date-time"},
                    recipients={"type": "integer"},
                ),
            },
        ),
        ReviewItem=obj(
            ["id", "campaign_id", "channel", "asset", "due_at"],
            id={"type": "integer"},
            campaign_id={"type": "integer"},
            channel={"enum": list(CHANNELS)},
            asset={"type": "string"},
            due_at={"type": "string"},
        ),
        LibraryFile=obj(
            ["name", "media_type", "url"],
            name={"type": "string"},
            media_type={"type": "string"},
            url={"type": "string", "format": "uri"},
        ),
        LibraryItem=obj(
            ["kind", "channel", "asset", "network", "status", "text", "download_url", "files"],
            kind={"enum": ["email", "brochure", "social", "talking_points", "embed", "signature"]},
            channel={"type": "string"},
            asset={"type": "string"},
            network={"type": ["string", "null"], "description": "linkedin, instagram, x"},
            status={"type": "string", "description": "sent, pending, held, skipped, failed"},
            due_at={"type": ["string", "null"]},
            text={"type": ["string", "null"], "description": "the text to copy, if any"},
            download_url={"type": ["string", "null"], "format": "uri"},
            files={"type": "array", "items": ref("LibraryFile")},
            embed={"type": "object", "description": "embed only: script and iframe code"},
            signature={"type": "object", "description": "signature only: its snippet"},
        ),
        Library=obj(
            ["campaign", "items"],
            campaign=obj(
                ["id", "name", "status"],
                id={"type": "integer"},
                name={"type": "string"},
                status={"type": "string"},
            ),
            items={"type": "array", "items": ref("LibraryItem")},
        ),
        Signature=obj(
            ["html", "image_url", "link_url"],
            html={"type": "string"},
            image_url={"type": "string", "format": "uri"},
            link_url={"type": "string", "format": "uri"},
        ),
        Results=obj(
            ["campaigns", "weeks"],
            campaigns={"type": "object", "additionalProperties": {"type": "object"}},
            weeks={"type": "object", "additionalProperties": {"type": "object"}},
        ),
        Imported=obj(
            ["created", "updated"],
            created={"type": "integer"},
            updated={"type": "integer"},
            # partners only: what imported but will look wrong (row and column named)
            warnings={"type": "array", "items": {"type": "string"}},
        ),
        KitLoaded=obj(["kit", "version"], kit={"type": "string"}, version={"type": "string"}),
        Runway=obj(
            ["headline", "hit_rate", "median_days_in_stage", "cohorts", "positions"],
            headline=obj([*HEADLINE, "sentence"], **HEADLINE, sentence={"type": "string"}),
            hit_rate={"type": "object", "additionalProperties": {"type": "number"}},
            median_days_in_stage={"type": "object"},
            median_days_to_first_pipeline={"type": ["number", "null"]},
            cohorts={"type": "object"},
            positions={"type": "array", "items": {"type": "object"}},
        ),
        MilestoneSaved=obj(
            ["partner", "milestone", "changed"],
            partner={"type": "string"},
            milestone={"type": "string"},
            changed={"type": "boolean"},
        ),
        OwnersSaved=obj(
            ["owner", "partners"], owner={"type": "string"}, partners={"type": "integer"}
        ),
        EventAccepted=obj(["status"], status={"enum": ["recorded", "duplicate"]}),
        Decided=obj(
            ["id", "action", "items"],
            id={"type": "integer"},
            action={"type": "string"},
            items={"type": "integer"},
        ),
        ConsentSaved=obj(
            ["mode"],
            mode={"enum": MODES},
            campaign_id={"type": ["integer", "null"]},
            channel=nullable_str,
            reason=nullable_str,
        ),
    )
    return schemas


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _problems(*codes: int) -> dict[str, Any]:
    return {
        str(code): {
            "description": PROBLEM_TEXT[code],
            "content": {"application/problem+json": {"schema": ref("Problem")}},
        }
        for code in codes
    }


PROBLEM_TEXT = {
    400: "Malformed request",
    401: "Not signed in, or a bad token or signature",
    403: "Signed in, but not allowed (or, with the browser session, no X-CSRFToken header)",
    404: "No such item",
    409: "Not possible in the item's current state",
    415: "Send the body as application/json (or the type the call names)",
    413: "Body too large",
    422: "Input not accepted: the detail names the field",
    503: "Not stored this time (the database is unavailable): retry later",
}


def _op(summary: str, ok: dict[str, Any], *codes: int, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "responses": {"200": ok, **_problems(401, 403, *codes)}, **extra}


def _query(name: str, schema: dict[str, Any], description: str = "") -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }


def _path(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    }


PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000}),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 200}),
]


def _body(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


def _name(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _paths() -> dict[str, Any]:
    cid = _path("campaign_id")
    text = {"type": "string", "maxLength": 100}
    paths: dict[str, Any] = {
        "/campaigns": {
            "get": _op(
                "Campaigns, newest last",
                _json(page("Campaign")),
                422,
                parameters=[*PAGING, _query("status", {"enum": [s.value for s in CampaignStatus]})],
            ),
            "post": {
                "summary": "Create a campaign from a loaded kit",
                "requestBody": _body("NewCampaign"),
                "responses": {
                    "201": _json(ref("Campaign"), "Created"),
                    **_problems(401, 403, 415, 422),
                },
            },
        },
        "/campaigns/{campaign_id}": {
            "get": _op("One campaign", _json(ref("Campaign")), 404, parameters=[cid]),
            "patch": {
                "summary": "What partners read, the banner ranking, the consent default "
                "(a new default moves every future item at once: `moved`)",
                "parameters": [cid],
                "requestBody": _body("CampaignEdit"),
                "responses": {
                    "200": _json(ref("Campaign")),
                    **_problems(401, 403, 404, 409, 415, 422),
                },
            },
        },
        "/campaigns/{campaign_id}/status": {
            "get": _op(
                "Deliveries by channel and state (what the launch page polls)",
                _json(ref("Status")),
                404,
                parameters=[cid],
            )
        },
        "/campaigns/{campaign_id}/not-sent": {
            "get": _op(
                "What the campaign did not send, with partner and reason (100 a page)",
                _json(page("NotSentItem")),
                404,
                422,
                parameters=[
                    cid,
                    _query("reason", REASON),
                    _query("channel", {"enum": [*CHANNELS, "*"]}),
                    _query("q", text, "part of a partner's name or slug, or a contact"),
                    *PAGING,
                ],
            )
        },
        "/campaigns/{campaign_id}/report": {
            "get": _op(
                "The campaign's funnel per partner and channel (format=csv for a file)",
                {
                    "description": "OK",
                    "content": {
                        "application/json": {"schema": ref("Report")},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                404,
                parameters=[cid, _query("format", {"enum": ["json", "csv"]})],
            )
        },
        "/audience-count": {
            "get": _op(
                "How many partners an audience filter reaches",
                _json(ref("AudienceCount")),
                parameters=[
                    _query(k, {"type": "array", "items": text})
                    for k in ("tier", "region", "vertical", "tag", "partner", "exclude")
                ],
            )
        },
        "/partners": {
            "get": _op(
                "Partners, with profile completeness",
                _json(page("Partner")),
                422,
                parameters=[
                    *PAGING,
                    *[_query(k, text) for k in ("q", "tier", "region", "vertical")],
                ],
            )
        },
        "/partners/{slug}": {
            "get": _op(
                "One partner",
                _json(ref("Partner")),
                404,
                parameters=[
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,63}$"},
                    }
                ],
            )
        },
        "/programme/report": {
            "get": _op(
                "Programme analytics: participation, live rate, cohorts, spread",
                _json(ref("Programme")),
                parameters=[_query("format", {"enum": ["json"]})],
            )
        },
        "/me": {"get": _op("The signed-in partner, with its next action", _json(ref("Partner")))},
        "/me/campaigns": {
            "get": _op(
                "The partner's campaigns and how each channel is set",
                _json(page("MyCampaign")),
                422,
                parameters=PAGING,
            )
        },
        "/me/consent": {
            "put": _op(
                "Switch a campaign and/or channel to auto, review or off; switching off may "
                "say why (reason, comment), which the vendor's feedback page shows",
                _json(ref("ConsentSaved")),
                404,
                415,
                422,
                requestBody=_body("ConsentChange"),
            )
        },
        "/me/review": {
            "get": _op(
                "Items waiting for the partner's approval",
                _json(page("ReviewItem")),
                422,
                parameters=PAGING,
            )
        },
        "/me/review/{delivery_id}": {
            "post": _op(
                "Approve or skip a held item",
                _json(ref("Decided")),
                404,
                409,
                415,
                422,
                parameters=[_path("delivery_id")],
                requestBody=_body("Decision"),
            )
        },
        "/me/campaigns/{campaign_id}/assets": {
            "get": _op(
                "The campaign's asset library: every item with its text and downloads",
                _json(ref("Library")),
                404,
                parameters=[cid],
            )
        },
        "/me/campaigns/{campaign_id}/assets/{asset}/{name}": {
            "get": _op(
                "One file of the asset library (an image, the brochure, a text)",
                {"description": "The file", "content": {"application/octet-stream": {}}},
                404,
                parameters=[cid, _name("asset"), _name("name")],
            )
        },
        "/me/signature": {
            "get": _op(
                "The email-signature snippet: paste once, it follows the live campaign",
                _json(ref("Signature")),
            )
        },
        "/me/results": {
            "get": _op(
                "Clicks, leads, pipeline and revenue per campaign and week", _json(ref("Results"))
            )
        },
        "/events": {
            "post": {
                "summary": "Signed attribution callback (Standard Webhooks headers)",
                "security": [],
                "requestBody": _body("InboundEvent"),
                "responses": {
                    "200": _json(ref("EventAccepted"), "A repeat of a webhook-id already recorded"),
                    "202": _json(ref("EventAccepted"), "Recorded"),
                    **_problems(401, 413, 422, 503),
                },
            }
        },
    }
    paths["/partners"]["post"] = _upload(
        "Import partners from a CSV body (all rows or none)", "text/csv", "Imported"
    )
    paths["/kits"] = {
        "post": _upload("Upload a kit folder as a zip body", "application/zip", "KitLoaded")
    }
    paths["/me/profile"] = {
        "patch": _op(
            "Change the partner's contact details and colours",
            _json(ref("Partner")),
            415,
            422,
            requestBody=_body("ProfileChange"),
        )
    }
    slug = {
        "name": "slug",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,63}$"},
    }
    paths["/runway/report"] = {
        "get": _op(
            "The runway: headline, hit rates, stage times, cohorts, positions (format=csv)",
            {
                "description": "OK",
                "content": {
                    "application/json": {"schema": ref("Runway")},
                    "text/csv": {"schema": {"type": "string"}},
                },
            },
            parameters=[
                _query("format", {"enum": ["json", "csv"]}),
                _query("table", {"enum": ["positions", "summary"]}, "with format=csv"),
            ],
        )
    }
    paths["/partners/{slug}/milestones"] = {
        "post": _op(
            "Record a milestone for a partner (the earliest date wins)",
            _json(ref("MilestoneSaved")),
            404,
            415,
            422,
            parameters=[slug],
            requestBody=_body("MilestoneChange"),
        )
    }
    paths["/owners"] = {
        "put": _op(
            "Make a vendor user the owner of partners (bulk)",
            _json(ref("OwnersSaved")),
            415,
            422,
            requestBody=_body("OwnerChange"),
        )
    }
    paths["/milestones"] = {
        "post": {
            "summary": "Signed milestone callback (Standard Webhooks headers)",
            "security": [],
            "requestBody": _body("MilestoneCallback"),
            "responses": {
                "200": _json(ref("MilestoneSaved"), "Recorded (or already known)"),
                **_problems(401, 404, 422),
            },
        }
    }
    for action in ("launch", "pause", "resume", "cancel", "retry"):
        paths[f"/campaigns/{{campaign_id}}/{action}"] = {
            "post": _op(
                f"{action.capitalize()} the campaign",
                _json(ref("Retried" if action == "retry" else "Campaign")),
                404,
                409,
                422,
                parameters=[cid],
            )
        }
    return paths


def _upload(summary: str, media_type: str, answer: str) -> dict[str, Any]:
    return {
        "summary": summary,
        "requestBody": {
            "required": True,
            "content": {media_type: {"schema": {"type": "string", "format": "binary"}}},
        },
        "responses": {"201": _json(ref(answer), "Loaded"), **_problems(401, 403, 422)},
    }


def _merged(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Two sets of schemas; a name in both would silently describe one shape as another."""
    clash = sorted(set(first) & set(second))
    if clash:
        raise RuntimeError(f"OpenAPI schemas named twice: {', '.join(clash)}")
    return {**first, **second}


@cache
def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "campaign-engine",
            "version": "1",
            "description": "Vendor endpoints need an admin or marketer; /me endpoints a "
            "partner user. Errors are RFC 9457 problem+json.",
        },
        "servers": [{"url": "/api/v1"}],
        "components": {
            "schemas": _merged(_schemas(), mdf_schemas()),
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "the browser's sign-in; writes also need the page's CSRF "
                    "token in an X-CSRFToken header",
                },
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            **_paths(),
            **mdf_paths(_op, _json, _problems, _path, _query, PAGING),
            **privacy_paths(_op, _json, _query),
        },
    }
