"""Composition root: configuration, the runtime that runs many bots, and the CLI."""
