"""Consent: recording partners' decisions (record), reading what applies (read), and
moving every affected future delivery the moment a decision is made (follow).

The modules are imported by name, not re-exported here: the planner reads decisions and
`follow` plans, so a package that imported everything would import itself in a circle."""
