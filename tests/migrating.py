"""Moving a test database to a migration revision (the migration tests' one way to go up and down)."""

from alembic import command

from evalplatform.migrate import alembic_config, upgrade


def migrate_to(engine, url: str, revision: str) -> None:
    """Upgrade to head or downgrade to `revision`; the engine's pooled connections are dropped first (an
    ALTER would wait for them)."""
    engine.dispose()
    if revision == "head":
        upgrade(url)
    else:
        command.downgrade(alembic_config(url), revision)
