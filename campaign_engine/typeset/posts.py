"""A post's length as its network counts it: the social renderer fits its copy to it and
preflight checks the result with the same count."""

from __future__ import annotations


def post_length(text: str, platform: str) -> int:
    """A post's length as its network counts it (X: weighted, a link 23)."""
    if platform != "x":
        return len(text)
    from twitter_text import parse_tweet  # X's own counting rules (twitter-text v3)

    return int(parse_tweet(text).weightedLength)
