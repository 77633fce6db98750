"""The channels a campaign reaches a partner through. Its own module, so a command that
only counts deliveries per channel does not load the adapters' protocols (ports.py)."""

CHANNELS = ("email", "social", "crm", "web")
