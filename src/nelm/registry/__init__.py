"""Patient registry: SQLAlchemy models, Alembic migrations, import validation, de-identification.

Database access goes through nelm.services.registry; this package holds the pieces it is built from.
"""
