"""The vendored documents are the vendor's, unedited, and every operation the connectors
call is in them (the fake servers refuse the rest; tests/integration/test_api_connectors.py)."""

from __future__ import annotations

import hashlib
import re

import pytest

from tests.contracts.openapi import CONTRACTS, OpenApiContract

BLOB = re.compile(r"^\| `(?P<file>[\w.]+)` \|.*\| `(?P<blob>[0-9a-f]{40})` \|$", re.M)


def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@pytest.mark.parametrize("vendor", ["hubspot"])
def test_each_vendored_document_is_the_one_its_readme_names(vendor):
    folder = CONTRACTS / vendor
    listed = {m["file"]: m["blob"] for m in BLOB.finditer((folder / "README.md").read_text())}
    present = {path.name: git_blob_id(path.read_bytes()) for path in folder.glob("*.json")}
    assert present == listed


def test_the_hubspot_documents_describe_every_call_the_connector_makes():
    hubspot = OpenApiContract("HubSpot", CONTRACTS / "hubspot", prefix="/crm/")
    bearer = [("Authorization", "Bearer t"), ("Content-Type", "application/json")]
    create = b'{"properties": {"hs_note_body": "x"}, "associations": []}'
    assert hubspot.answer("POST", "/crm/v3/objects/notes", bearer, create).status == 201
    assert hubspot.answer("POST", "/crm/v3/objects/contacts", bearer, create).status == 201
    read = hubspot.answer("GET", "/crm/v3/objects/notes/512", bearer, b"")
    assert read.status == 200 and set(read.body) >= {"id", "properties", "createdAt"}
