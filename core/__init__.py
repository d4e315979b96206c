"""Platform-neutral domain of townsquare: events, actions, text, commands and features.

Nothing in this package imports a messenger SDK or SQL; adapters and storage depend on it,
never the other way round.
"""
