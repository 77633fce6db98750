"""`python -m campaign_engine` is the same as the `campaign-engine` command."""

from campaign_engine.cli import main

main()
