"""Leads after they arrive: opened for every attributed lead, set by the partner (accepted,
rejected with a reason, contacted, opportunity, won, lost), watched against a first-touch
SLA, and counted in the programme report."""
