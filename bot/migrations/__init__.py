"""Alembic migrations; applied by ``Store.migrate()`` (on start and by ``newsbot migrate``)."""
