"""Alembic environment: runs on the connection the store hands over (see Database.migrate)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from bot.storage.schema import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through `newsbot migrate`, which supplies the connection")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
