"""Preflight: the engine checks what it made in a partner's name before it goes out.

Nobody can look at a thousand brochures. Each rendered asset is checked for what a brand
designer would catch by eye: the designed page count, characters no font draws, a logo
that vanishes on its plate, a logo too coarse for a phone or for print, a subject an inbox
cuts, an email wider than a phone. A problem that blocks holds the partner's deliveries
(with the reason, and a next action that says what to fix); a warning is reported only.
"""
