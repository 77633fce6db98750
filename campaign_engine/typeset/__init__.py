"""What the renderers and the services both need to set a partner's words and marks: the
kit's Jinja sandbox, the template context, glyph coverage and drawing, line breaking and
bidi, partner text direction and hyphenation, logo sizing on plates, the email's
per-recipient slots, and a post's length as its network counts it.

Renderers (renderers/) draw whole assets and are named only by the composition root;
services measure and check with these same functions, so a check and a render agree.
"""

# Bump when output changes: it is part of every artifact key (4: files name their network;
# 5: the brochure's blocks take the page's width; 6: no wordmark set as a mark;
# 7: a light brand keeps its own band on the banner; 8: a white brand fills with its
# secondary colour, pale fills get an edge; 9: right-to-left names isolated in subjects;
# 10: Japanese and Chinese lines in images break between phrases; 11: nowidow;
# 12: a logo under 96x48 is a mark set beside the name; 13: plates and lockups for any
# logo; 14: {partner_short} in copy, posts cut at sentences; 17: a logo's faint part
# does not count towards its least size, name lockups spell the short name).
RENDERER_VERSION = "17"
