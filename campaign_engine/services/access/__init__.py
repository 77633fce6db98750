"""Who may act in whose name: vendor accounts, partner memberships, sessions, sign-in
links, notice capabilities and contact-address confirmation (docs/security.md)."""
