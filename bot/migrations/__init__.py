"""Alembic migrations; applied by ``Database.migrate()`` (on start and by ``newsbot migrate``)."""
