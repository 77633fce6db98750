"""The partner's workspace: what the built-in portal connector delivers (the asset library
of each campaign), the email-signature banner and the co-branded landing pages."""
