"""What every capability leans on and none owns: leases and live processes in the
database, group commit, secrets sealed at rest, rate limits, the audit trail, and reading
CSV and YAML with errors that name the row or line. Depends on db/ and domain/ only."""
