"""SQLAlchemy 2 models and the store: the only package that speaks SQL."""
