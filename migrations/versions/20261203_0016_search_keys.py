"""Keep on each search row the keys the library's filters, facets and visibility need (resource_search.keys).

One row then answers a search with facets: on PostgreSQL one GIN index over (document, keys) finds the
rows that match the words, pass every filter and may be seen, and the facet counts come from those rows'
keys; on SQLite the keys are a JSON list next to the FTS5 text. The keys are written by
copractice.library.search.index_resource; this backfills them for existing rows with the same rules.

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# The keys of one resource (``r``): what it is (type, format, year, themes, audience) and, when it is
# published, who may see it (see copractice.library.search.keys_for, which must say the same).
KEY_ROWS = """
    SELECT 'type:' || r.type AS k WHERE r.type IS NOT NULL
    UNION ALL SELECT 'format:' || r.format WHERE r.format IS NOT NULL
    UNION ALL SELECT 'year:' || CAST(r.year AS TEXT) WHERE r.year IS NOT NULL
    UNION ALL SELECT 'theme:' || t.theme_slug FROM resource_theme t WHERE t.resource_id = r.id
    UNION ALL SELECT 'audience:' || a.stakeholder_type FROM resource_audience a WHERE a.resource_id = r.id
    UNION ALL SELECT 'published' WHERE r.status = 'published'
    UNION ALL SELECT 'shown:' || r.visibility WHERE r.status = 'published' AND r.visibility <> 'theme'
    UNION ALL SELECT 'shown:theme:' || t.theme_slug FROM resource_theme t
        WHERE t.resource_id = r.id AND r.status = 'published' AND r.visibility = 'theme'
"""


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.add_column("resource_search", sa.Column("keys", postgresql.ARRAY(sa.Text()), nullable=False,
                                                   server_default="{}"))
        op.execute(f"UPDATE resource_search SET keys = ARRAY(SELECT k FROM ({KEY_ROWS}) AS keys) "
                   "FROM resource r WHERE r.id = resource_search.resource_id")
        # One index for the words and the keys: a search with filters is one index scan.
        op.execute("CREATE INDEX ix_resource_search_match ON resource_search USING gin (document, keys)")
        op.execute("DROP INDEX IF EXISTS ix_resource_search_document")
        op.execute("ANALYZE resource_search")
    else:
        # A plain ADD COLUMN: a batch (copy and rename) would drop the FTS5 triggers of revision 0004.
        op.add_column("resource_search", sa.Column("keys", sa.JSON(), nullable=False, server_default="[]"))
        op.execute(f"UPDATE resource_search SET keys = (SELECT json_group_array(k) FROM ({KEY_ROWS})) "
                   "FROM resource r WHERE r.id = resource_search.resource_id")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_resource_search_document ON resource_search USING gin (document)")
        op.execute("DROP INDEX IF EXISTS ix_resource_search_match")
        op.drop_column("resource_search", "keys")
    else:
        op.execute("ALTER TABLE resource_search DROP COLUMN keys")
