"""Looking after the data an operator is answerable for: backups that restore to a state
that sends every email once (backup.py, restore.py, backup_format.py,
backup_databases.py, pause.py); erasing one person everywhere
(erasure.py, files.py, request.py), letting details expire while the aggregates stay
(retention.py), a partner's export and offboarding (export.py, offboard.py, archives.py),
and the keyed hashes that keep an erased address out for good (keys.py).
docs/privacy.md says what is kept where."""
