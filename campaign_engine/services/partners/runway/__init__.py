"""The activation runway: milestones per partner, always-on sequences (sequence), owners,
the at-risk digest, one next action, and the runway reports."""
