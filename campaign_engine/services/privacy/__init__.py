"""Personal data the engine holds for partners (their customers' addresses, opens, clicks
and leads): erasing one person everywhere (erasure.py, files.py), letting details expire
while the aggregates stay (retention.py), and the keyed hashes that keep an erased
address out for good (keys.py). docs/privacy.md says what is kept where."""
