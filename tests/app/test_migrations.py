"""The migrations are the schema: they must match the models on MariaDB and on SQLite."""

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db


def pending_changes() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree_on_mariadb(app):
    with app.app_context():
        assert pending_changes() == []


def test_migrations_apply_to_sqlite_and_match_the_models(tmp_path, app_with):
    app = app_with(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
        SQLALCHEMY_ENGINE_OPTIONS={},
    )
    with app.app_context():
        flask_migrate.upgrade()
        assert pending_changes() == []
        flask_migrate.downgrade(revision="base")
        assert db.inspect(db.engine).get_table_names() == ["alembic_version"]
