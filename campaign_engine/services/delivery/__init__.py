"""Where a partner's deliveries go and whether they can: its own sending address
(senders), its destinations per channel (endpoints), asking providers what they still
hold (provider_checks), warning before a token expires (token_expiry), and health/."""
