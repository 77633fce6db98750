"""Partner-local send times across timezones and DST changes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from campaign_engine.domain.consent import ConsentMode, resolve
from campaign_engine.domain.sendtime import local_due, parse_weekday
from campaign_engine.services.campaigns.planner import days_later

TUESDAY = parse_weekday("tuesday")


def test_tuesday_ten_oclock_in_each_partners_timezone():
    after = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # a Sunday
    berlin = local_due(after, "Europe/Berlin", "10:00", TUESDAY)
    new_york = local_due(after, "America/New_York", "10:00", TUESDAY)
    assert berlin == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert new_york == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)


def test_ten_oclock_stays_ten_oclock_across_the_spring_change():
    # Europe moved to summer time on Sunday 29 March 2026.
    before = local_due(datetime(2026, 3, 23, 0, 0, tzinfo=UTC), "Europe/Berlin", "10:00", TUESDAY)
    after = local_due(datetime(2026, 3, 30, 0, 0, tzinfo=UTC), "Europe/Berlin", "10:00", TUESDAY)
    assert before.hour == 9 and after.hour == 8  # UTC moves, local time does not
    assert after.astimezone(ZoneInfo("Europe/Berlin")).hour == 10


def test_a_send_time_inside_the_spring_gap_moves_past_it():
    due = local_due(datetime(2026, 3, 29, 0, 0, tzinfo=UTC), "Europe/Berlin", "02:30", None)
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.day, local.hour, local.minute) == (29, 3, 30)


def test_autumn_change_keeps_the_wall_clock_for_a_cadence():
    # US clocks went back on Sunday 1 November 2026: day +4 is still 10:00 local.
    start = datetime(2026, 10, 30, 14, 0, tzinfo=UTC)  # 10:00 in New York (EDT)
    later = days_later(start, "America/New_York", 4)
    assert later == datetime(2026, 11, 3, 15, 0, tzinfo=UTC)  # 10:00 EST


def test_a_time_already_passed_today_moves_to_the_next_matching_day():
    after = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday 11:00 in Berlin
    due = local_due(after, "Europe/Berlin", "10:00", TUESDAY)
    assert due == datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def test_the_partners_explicit_choice_beats_any_default():
    decisions = {("programme", "email"): "review"}
    assert resolve(decisions, 1, "email", ConsentMode.AUTO, ConsentMode.AUTO) is ConsentMode.REVIEW
    # Issue 27: a campaign set to review was sent at once, because "auto wins" between the
    # defaults; the campaign's default is the more specific statement.
    assert resolve({}, 1, "email", ConsentMode.REVIEW, ConsentMode.AUTO) is ConsentMode.REVIEW
    assert resolve({}, 1, "email", ConsentMode.REVIEW, ConsentMode.REVIEW) is ConsentMode.REVIEW
    campaign_opt_in = {("programme", "email"): "off", ("campaign:1", "*"): "auto"}
    assert resolve(campaign_opt_in, 1, "email") is ConsentMode.AUTO
    assert resolve(campaign_opt_in, 2, "email") is ConsentMode.OFF
