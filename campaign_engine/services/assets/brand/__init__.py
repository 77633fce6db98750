"""A partner's brand as the renderers see it: logos made safe and usable, colours, the
context every renderer gets, and what would make either read badly."""
