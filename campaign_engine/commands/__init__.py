"""CLI command groups. Each module registers its commands on campaign_engine.cli.cli when
it is imported, which the CLI does only for the command being run (cli.COMMANDS)."""
