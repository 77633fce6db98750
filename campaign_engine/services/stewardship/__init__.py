"""Looking after the data an operator is answerable for: backups that restore to a state
that sends every email once (backup.py)."""
