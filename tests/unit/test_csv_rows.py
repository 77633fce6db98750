"""CSV rows are read one at a time: the first bad row is reported without reading the
rest of the file (a 50 MB partner file with an error at row 3 took half a minute)."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, EmailStr

from campaign_engine.errors import InvalidInput
from campaign_engine.infra.csvrows import read_rows


class Row(BaseModel):
    slug: str
    contact_email: EmailStr


def test_the_first_bad_row_is_named_before_the_rest_of_the_file_is_read(tmp_path):
    lines = ["slug,contact_email", "a,a@x.example", "b,not-an-email"]
    lines += [f"p{i},p{i}@x.example" for i in range(20_000)]
    path = tmp_path / "partners.csv"
    # bytes that are not UTF-8 far past row 3: reading the whole text first failed on them
    path.write_bytes("\n".join(lines).encode() + b"\nz,\xff\xfe@x.example\n")
    with pytest.raises(InvalidInput) as found:
        read_rows(path, Row, {"slug", "contact_email"})
    assert found.value.where == "partners.csv row 3, column contact_email"


def test_bytes_that_are_not_utf8_are_named_by_the_row_they_follow(tmp_path):
    path = tmp_path / "partners.csv"
    path.write_bytes(b"slug,contact_email\na,a@x.example\nb,\xff@x.example\n")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        read_rows(path, Row, {"slug", "contact_email"})


def test_a_quote_left_open_is_named_by_its_row_not_a_500(tmp_path):
    """An attacker's (and a careless export's) stray opening quote made one field of the
    rest of the file: past the csv module's field limit it raised csv.Error, a 500."""
    path = tmp_path / "partners.csv"
    rows = ["slug,contact_email", "a,a@x.example", '"b,b@x.example']
    rows += [f"p{i},p{i}@x.example" for i in range(8_000)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="quote left open") as found:
        read_rows(path, Row, {"slug", "contact_email"})
    assert found.value.where == "partners.csv row 3"
