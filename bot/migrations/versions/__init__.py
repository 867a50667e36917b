"""Alembic revisions, one module each, in the order their down_revision gives."""
