"""Alembic environment and revisions; ``storage.migrate`` runs them."""
