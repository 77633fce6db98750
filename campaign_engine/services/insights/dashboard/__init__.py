"""The partner's dashboard: its campaigns, its MDF balance, its open deals, one next action."""
