"""Alembic environment: the engine comes from the connector (never from a URL in a file)."""

from __future__ import annotations

from alembic import context

from connector.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: build the engine from the connector's settings
    from connector.settings import load_settings
    from connector.store.db import make_engine

    engine = make_engine(load_settings().effective_database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
