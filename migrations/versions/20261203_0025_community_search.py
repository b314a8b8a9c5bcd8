"""community search: one row per published post (post_search) and its text index on each database

SQLite: an FTS5 table (post_fts, porter stemming) kept in step with post_search by triggers. PostgreSQL: a
stored generated tsvector (post_search.document: the topic's title weighted 'A' above the post's text 'B')
with a GIN index, and a partial one over first posts (those with a title). copractice.community.search writes the rows and reads both; the expressions here must
match the ones there. A later batch migration of post_search on SQLite would drop the triggers: recreate
them (SQLITE_SEARCH) if you write one.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""
import html
import re

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

PG_VECTOR = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
             "setweight(to_tsvector('english', coalesce(body, '')), 'B')")
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE post_fts USING fts5(title, body, content='post_search', "
    "content_rowid='post_id', tokenize='porter unicode61')",
    "CREATE TRIGGER post_search_ai AFTER INSERT ON post_search BEGIN "
    "INSERT INTO post_fts(rowid, title, body) VALUES (new.post_id, new.title, new.body); END",
    "CREATE TRIGGER post_search_ad AFTER DELETE ON post_search BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, title, body) VALUES ('delete', old.post_id, old.title, old.body); END",
    "CREATE TRIGGER post_search_au AFTER UPDATE ON post_search BEGIN "
    "INSERT INTO post_fts(post_fts, rowid, title, body) VALUES ('delete', old.post_id, old.title, old.body); "
    "INSERT INTO post_fts(rowid, title, body) VALUES (new.post_id, new.title, new.body); END",
]


def _plain_text(markup):
    """As copractice.community.search.plain_text (a copy: a migration does not import the app)."""
    markup = re.sub(r"<blockquote\b.*?</blockquote>", " ", markup or "", flags=re.S | re.I)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", markup))).strip()


def upgrade():
    op.create_table(
        "post_search",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], name=op.f("fk_post_search_post_id_post"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["space_id"], ["space.id"], name=op.f("fk_post_search_space_id_space"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["topic_id"], ["topic.id"], name=op.f("fk_post_search_topic_id_topic"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_search")),
    )
    op.create_index(op.f("ix_post_search_space_id"), "post_search", ["space_id"], unique=False)
    op.create_index(op.f("ix_post_search_topic_id"), "post_search", ["topic_id"], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE post_search ADD COLUMN document tsvector GENERATED ALWAYS AS ({PG_VECTOR}) STORED")
        op.execute("CREATE INDEX ix_post_search_document ON post_search USING gin (document)")
        # The title matches (only first posts have a title), found without reading the replies' entries.
        op.execute("CREATE INDEX ix_post_search_titled ON post_search USING gin (document) WHERE title <> ''")
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)
    # Posts written before this revision (the forum may have been used): their rows, as the app writes them.
    rows = bind.execute(sa.text(
        "SELECT p.id, p.topic_id, t.space_id, p.number, t.title, p.html FROM post p JOIN topic t ON t.id = p.topic_id "
        "WHERE p.status = 'published'")).all()
    if rows:
        table = sa.table("post_search", sa.column("post_id"), sa.column("topic_id"), sa.column("space_id"),
                         sa.column("title"), sa.column("body"))
        op.bulk_insert(table, [{"post_id": r[0], "topic_id": r[1], "space_id": r[2],
                                "title": r[4] if r[3] == 1 else "", "body": _plain_text(r[5])} for r in rows])


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in ("post_search_ai", "post_search_ad", "post_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS post_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_post_search_titled")
        op.execute("DROP INDEX IF EXISTS ix_post_search_document")
    op.drop_index(op.f("ix_post_search_topic_id"), table_name="post_search")
    op.drop_index(op.f("ix_post_search_space_id"), table_name="post_search")
    op.drop_table("post_search")
