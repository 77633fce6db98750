"""What a marketer chooses when creating a campaign: one schema for the command line, the
API and the console's form, so every option exists in all three with the same defaults,
limits and messages, and the OpenAPI document is generated from it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from campaign_engine.domain.audience import AUDIENCE_KEYS
from campaign_engine.domain.consent import MODE_WORDS, PROGRAMME_DEFAULT_WORDS, ConsentMode
from campaign_engine.domain.plain_text import plain_text
from campaign_engine.domain.sendtime import WEEKDAYS, parse_send_time, parse_weekday
from campaign_engine.domain.times import storable

# A launch time this little in the past is "now" typed by hand: the console's field has
# minutes only, and a clock a few seconds behind must not turn a launch into an error.
PAST_GRACE = timedelta(minutes=1)
# What the API's document says launch_at takes: a time, the word now, or nothing.
LAUNCH_AT_SCHEMA = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"const": "now"},
        {"type": "null"},
    ]
}


class CampaignOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=200)
    kit: str = Field(min_length=1, max_length=64, description="slug of a loaded kit")
    audience: dict[str, list[str]] = Field(
        {},
        description=f"keys {', '.join(AUDIENCE_KEYS)}; values widen within a key, keys "
        "narrow; empty: every partner",
    )
    launch_at: Annotated[AwareDatetime | None, WithJsonSchema(LAUNCH_AT_SCHEMA)] = Field(
        None,
        description="ISO 8601 with a UTC offset, not in the past, or 'now'; empty: a draft "
        "launched by hand",
    )
    send_time: str | None = Field(
        None,
        pattern=r"^\d{1,2}(:\d{2})?$",
        description="send at this local time in each partner's timezone, e.g. 10:00",
    )
    send_weekday: str | None = Field(
        None, description=f"with send_time: on this weekday ({', '.join(WEEKDAYS)})"
    )
    recurrence: str | None = Field(
        None,
        max_length=100,
        description="cron (UTC) to re-launch to the current audience, e.g. '0 9 1 1,4,7,10 *'",
    )
    always_on: bool = Field(
        False, description="send the kit's sequence to each partner as it enters the audience"
    )
    consent_default: ConsentMode | None = Field(
        None, description="; ".join([*MODE_WORDS.values(), PROGRAMME_DEFAULT_WORDS])
    )

    preview_days: int = Field(
        7, ge=0, le=60, description="days before launch that partners get the preview notice"
    )

    @field_validator("audience")
    @classmethod
    def _known_keys(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(AUDIENCE_KEYS))
        if unknown:
            raise ValueError(f"unknown keys {unknown}; use {', '.join(AUDIENCE_KEYS)}")
        return {key: values for key, values in value.items() if values}

    @field_validator("launch_at", mode="before")
    @classmethod
    def _iso_time(cls, value: Any) -> Any:
        """A message that says what to type, rather than pydantic's 'input is too short';
        'now' is the moment of asking (the scheduler launches it at its next look)."""
        if isinstance(value, str) and value.strip().lower() == "now":
            return datetime.now(UTC)
        if isinstance(value, str) and value:
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(
                    f"'{value}' is not ISO 8601, e.g. 2026-12-01T09:00:00+01:00"
                ) from None
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("add a UTC offset, e.g. 2026-12-01T09:00:00+01:00")
        return value or None

    @field_validator("launch_at")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        """In UTC, and not already over: a past time was taken as "scheduled" and launched
        at the scheduler's next look, which a mistyped year never meant; `now` says so on
        purpose."""
        if value is None:
            return None
        when = storable(value)
        if when < datetime.now(UTC) - PAST_GRACE:
            raise PydanticCustomError(
                "launch_in_the_past",
                "{when} is in the past; give a later time, or now to launch at once",
                {"when": when.isoformat()},
            )
        return when

    @field_validator("send_time")
    @classmethod
    def _clock_time(cls, value: str | None) -> str | None:
        if not value:
            return None
        parsed = parse_send_time(value)  # a ValueError becomes the field's message
        return f"{parsed.hour:02d}:{parsed.minute:02d}"

    @field_validator("send_weekday")
    @classmethod
    def _weekday(cls, value: str | None) -> str | None:
        return WEEKDAYS[parse_weekday(value)] if value else None

    @field_validator("recurrence")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        if not value:
            return None
        from apscheduler.triggers.cron import CronTrigger  # only when one is given

        try:
            CronTrigger.from_crontab(value, timezone="UTC")
        except ValueError as exc:
            raise ValueError(f"'{value}' is not a cron expression ({exc})") from None
        return value

    @model_validator(mode="after")
    def _weekday_needs_time(self) -> CampaignOptions:
        if self.send_weekday and not self.send_time:
            raise ValueError("send_weekday needs a send_time too")
        return self

    @property
    def weekday_number(self) -> int | None:
        return WEEKDAYS.index(self.send_weekday) if self.send_weekday else None


class CampaignEdit(BaseModel):
    """What a marketer may change on an existing campaign, by the command line, the API
    and the campaign page alike. Only the fields given change; `consent_default: null`
    hands the decision back to the programme's default."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    partner_title: str | None = Field(
        None,
        max_length=200,
        description="what partners read as the campaign's title (empty: the kit's name)",
    )
    partner_description: str | None = Field(
        None,
        max_length=1000,
        description="what partners read about the campaign (empty: the kit's description)",
    )
    banner_priority: int | None = Field(
        None,
        ge=-1000,
        le=1000,
        description="the signature banner shows the live campaign with the highest priority",
    )
    consent_default: ConsentMode | None = Field(
        None, description="; ".join([*MODE_WORDS.values(), PROGRAMME_DEFAULT_WORDS])
    )

    @field_validator("partner_title")
    @classmethod
    def _one_line(cls, value: str | None) -> str | None:
        return None if value is None else plain_text(value, lines=False)

    @field_validator("partner_description")
    @classmethod
    def _paragraph(cls, value: str | None) -> str | None:
        return None if value is None else plain_text(value, lines=True)
