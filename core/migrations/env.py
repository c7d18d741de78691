"""Alembic environment shared by core and every add-on (one ``alembic_version`` table).

Run through ``core.kernel.migrations`` (``yaprak db ...``), which sets
``version_locations`` to core's folder plus each loaded add-on's
``migrations/versions`` and hands over a connection. Each revision runs in its own
transaction, so a failing revision leaves the database at the last good one.
"""

from alembic import context

from core.db import Base

config = context.config
include_object = config.attributes.get("include_object")

if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=Base.metadata,
        literal_binds=True,
        transaction_per_migration=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes["connection"]
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transaction_per_migration=True,
        compare_type=True,
        include_object=include_object,
        process_revision_directives=config.attributes.get("process_revision_directives"),
    )
    with context.begin_transaction():
        context.run_migrations()
