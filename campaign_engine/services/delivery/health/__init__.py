"""Whether the engine can do its work, and why it waits when it cannot: readiness checks
(/readyz), the reasons pending deliveries wait, throttled logging of repeated errors, and
`doctor`'s review of a deployment."""
