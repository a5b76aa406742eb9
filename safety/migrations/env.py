"""Alembic environment: runs on the connection `safety.db.migrate` hands over.

There is no alembic.ini: the store configures Alembic in code, so migrations
run wherever the app opens its database.
"""

from __future__ import annotations

from alembic import context

from safety.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
