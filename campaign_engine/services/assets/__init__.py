"""What the engine makes in each partner's name: kits loaded and checked (kits, kitcheck),
the brand each partner gives them (brand/), any partner's preview, preflight's checks of
what was made (preflight/), and content-addressed artifacts so nothing renders twice."""
