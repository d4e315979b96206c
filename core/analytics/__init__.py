"""Analytics for managers: counted from events and facts, never from other features\x27 tables."""
