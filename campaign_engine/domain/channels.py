"""The channels a campaign reaches a partner through. Its own module, so a command that
only counts deliveries per channel does not load the adapters' protocols (ports.py)."""

from typing import Literal, get_args

Channel = Literal["email", "social", "crm", "web", "signature"]  # for pydantic models
CHANNELS: tuple[str, ...] = get_args(Channel)

# What a person reads; "*" is the partner as a whole (all channels).
LABELS = {
    "email": "Email",
    "social": "Social",
    "crm": "CRM",
    "web": "Website",
    "signature": "Email signature",
    "*": "All channels",
}


def channel_label(channel: str) -> str:
    return LABELS.get(channel, channel)
