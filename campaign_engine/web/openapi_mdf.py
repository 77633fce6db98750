"""The MDF, leads, feedback and dashboard operations of /api/openapi.json, their schemas
generated from the pydantic models the views validate and answer with (web/mdf_api.py,
web/leads.py, services/feedback/report.py)."""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import models_json_schema

from campaign_engine.services.feedback.report_models import SCHEMAS as FEEDBACK_SCHEMAS
from campaign_engine.web.lead_schemas import SCHEMAS as LEAD_SCHEMAS
from campaign_engine.web.mdf_schemas import SCHEMAS
from campaign_engine.web.rating_schemas import SCHEMAS as RATING_SCHEMAS

REF = "#/components/schemas/{model}"


def mdf_schemas() -> dict[str, Any]:
    """Every model and what it nests, named as the paths below refer to them."""
    _, document = models_json_schema(
        [
            (model, "serialization")
            for model in (*SCHEMAS, *LEAD_SCHEMAS, *FEEDBACK_SCHEMAS, *RATING_SCHEMAS)
        ],
        ref_template=REF,
    )
    return document.get("$defs", {})


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF.format(model=name)}


def mdf_paths(
    op: Any, json: Any, problems: Any, path: Any, query: Any, paging: list[Any]
) -> dict[str, Any]:
    """op, json, problems, path, query and paging are web/openapi.py's own builders."""
    rid, cid = path("request_id"), path("claim_id")

    def write(
        summary: str, body: str, answer: str, *codes: int, status: str = "200", **extra: Any
    ) -> dict[str, Any]:
        return {
            "summary": summary,
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref(body)}},
            },
            "responses": {status: json(_ref(answer)), **problems(401, 403, 415, 422, *codes)},
            **extra,
        }

    status = query("status", {"type": "string", "maxLength": 40})
    return {
        "/me/mdf": {"get": op("The partner's MDF: balance, requests, claims", json(_ref("MyMdf")))},
        "/me/mdf/requests": {
            "post": write(
                "Ask for funds for a kit or an activity (a 422 names the balance)",
                "MdfRequestIn",
                "MdfRequestOut",
                status="201",
            )
        },
        "/me/mdf/requests/{request_id}/cancel": {
            "post": op(
                "Withdraw an open request", json(_ref("MdfRequestOut")), 404, 409, parameters=[rid]
            )
        },
        "/me/mdf/claims": {
            "post": write(
                "Claim an approved request, with files",
                "MdfClaimIn",
                "MdfClaimOut",
                404,
                409,
                status="201",
            )
        },
        "/me/leads": {
            "get": op("The partner's leads and what became of each", json(_ref("LeadList")))
        },
        "/me/leads/{lead_id}": {
            "patch": write(
                "Say what became of a lead (the first change is its first touch)",
                "LeadChange",
                "LeadOut",
                404,
                parameters=[path("lead_id")],
            )
        },
        "/me/campaigns/{campaign_id}/assets/{asset}/rating": {
            "post": write(
                "Rate an asset of one of your campaigns useful or not (again: replaces it)",
                "AssetRatingIn",
                "AssetRating",
                404,
                parameters=[
                    path("campaign_id"),
                    {
                        "name": "asset",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 64},
                    },
                ],
            )
        },
        "/me/feedback": {
            "get": op(
                "Your asset ratings, with the vendor's replies", json(_ref("AssetRatingList"))
            )
        },
        "/feedback/{feedback_id}/reply": {
            "post": write(
                "Reply to what a partner said (emailed to its users, shown in its portal)",
                "FeedbackReplyIn",
                "FeedbackReply",
                404,
                parameters=[path("feedback_id")],
            )
        },
        "/campaigns/{campaign_id}/feedback": {
            "get": op(
                "What partners said: opt-outs and skips by reason, channel, tier and region "
                "against the programme's baseline, ratings, comments and the most common edits",
                json(_ref("FeedbackReport")),
                404,
                parameters=[path("campaign_id")],
            )
        },
        "/kits/{slug}/feedback": {
            "get": op(
                "The same over every launched campaign of one kit",
                json(_ref("FeedbackReport")),
                404,
                parameters=[
                    {
                        "name": "slug",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 64},
                    }
                ],
            )
        },
        "/me/dashboard": {
            "get": op(
                "Campaigns, MDF balance, open deals and the next action",
                json(_ref("Dashboard")),
            )
        },
        "/mdf/requests": {
            "get": op(
                "Partners' MDF requests, newest first",
                json(_ref("MdfRequestPage")),
                422,
                parameters=[*paging, status],
            )
        },
        **{
            f"/mdf/requests/{{request_id}}/{action}": {
                "post": write(words, "MdfDecision", "MdfRequestOut", 404, 409, parameters=[rid])
            }
            for action, words in (
                ("approve", "Approve: commit the funds, schedule the kit's campaign"),
                ("reject", "Reject with a reason"),
                ("changes", "Send back for a change, with what to change"),
            )
        },
        "/mdf/claims": {
            "get": op(
                "Claims with their proof",
                json(_ref("MdfClaimPage")),
                422,
                parameters=[*paging, status],
            )
        },
        **{
            f"/mdf/claims/{{claim_id}}/{action}": {
                "post": write(words, "MdfDecision", "MdfClaimOut", 404, 409, parameters=[cid])
            }
            for action, words in (
                ("accept", "Accept fully, or in part with an amount"),
                ("reject", "Reject with a reason"),
                ("pay", "Mark an accepted claim paid"),
            )
        },
        "/mdf/allocations": {
            "post": write(
                "Give a partner funds for a period",
                "MdfAllocationIn",
                "MdfAllocated",
                404,
                status="201",
            )
        },
        "/mdf/report": {
            "get": op(
                "MdfAllocated, committed, claimed, paid, expired; returns", json(_ref("MdfReport"))
            )
        },
    }
