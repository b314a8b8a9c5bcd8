"""Store the text-search vector on PostgreSQL (a generated column) so searches stop rebuilding it per row.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

VECTOR = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
          "setweight(to_tsvector('english', coalesce(body, '')), 'B')")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return  # SQLite searches its FTS5 table (revision 0004)
    op.execute(f"ALTER TABLE resource_search ADD COLUMN document tsvector GENERATED ALWAYS AS ({VECTOR}) STORED")
    op.execute("CREATE INDEX ix_resource_search_document ON resource_search USING gin (document)")
    op.execute("DROP INDEX IF EXISTS ix_resource_search_tsv")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"CREATE INDEX ix_resource_search_tsv ON resource_search USING gin (({VECTOR}))")
    op.execute("DROP INDEX IF EXISTS ix_resource_search_document")
    op.execute("ALTER TABLE resource_search DROP COLUMN document")
