"""Preflight reads an address's lines and the separators the way a reader does: an address
kept line by line (wrapped in print, or after the name) passes, one run together fails."""

from __future__ import annotations

from campaign_engine.services.assets.preflight.text import (
    address_kept,
    address_kept_wrapped,
    address_lines,
    dangling_separators,
)

ADDRESS = address_lines(
    "Suite 4100\n1234 North Michigan Avenue\n\nChicago, IL 60601\nUnited States"
)


def test_an_address_on_lines_of_its_own_is_kept():
    assert len(ADDRESS) == 4
    shown = ["Harbour Lights IT", *ADDRESS, "harbourlights.example · +1 312 555 0100"]
    assert address_kept(shown, ADDRESS)
    assert address_kept(["Harbour Lights · Suite 4100", *ADDRESS[1:3], "United States,"], ADDRESS)


def test_an_address_run_together_is_lost():
    assert not address_kept(["Suite 41001234 North Michigan AvenueChicago, IL 60601"], ADDRESS)
    assert not address_kept(["Suite 4100 1234 North Michigan Avenue", *ADDRESS[2:]], ADDRESS)
    assert address_kept(["One line only"], ["One line only"]), "nothing to lose"


def test_printed_lines_may_wrap_but_never_share_two_address_lines():
    wrapped = [
        "Suite 4100",
        "1234 North Michi-",
        "gan Avenue",
        "Chicago, IL 60601",
        "United States",
    ]
    assert address_kept_wrapped(wrapped, ADDRESS)
    joined = ["Suite 41001234 North Michigan", "AvenueChicago, IL 60601", "United States"]
    assert not address_kept_wrapped(joined, ADDRESS)


def test_separators_beside_nothing():
    assert dangling_separators(["Harbour Lights IT", "· sales@harbour.example"])
    assert dangling_separators(["."]) and dangling_separators(["Northwind · · Bristol"])
    assert dangling_separators([", Bristol"], wrapped=True)
    assert dangling_separators(["+44 20 7946 0321 ·"], wrapped=True) == [], "a wrap may fall there"
    assert dangling_separators(["harbour.example · +44 20 7946 0321", "Hi Jordan,"]) == []
