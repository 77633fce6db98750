"""The channels a campaign reaches a partner through. Its own module, so a command that
only counts deliveries per channel does not load the adapters' protocols (ports.py)."""

from typing import Literal, get_args

CHANNELS = ("email", "social", "crm", "web")

Channel = Literal["email", "social", "crm", "web"]  # the same names, for pydantic models
assert get_args(Channel) == CHANNELS
