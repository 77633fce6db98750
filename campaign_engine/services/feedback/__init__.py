"""The feedback loop: why partners opt out, skip or pause, how useful they find each asset,
what the vendor answers; per campaign against the programme's baseline."""
