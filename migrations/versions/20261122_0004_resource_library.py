"""resource library

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 00:33:21.345460
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


# Text search lives outside the models: FTS5 on SQLite (kept in step with resource_search by
# triggers), a GIN expression index on PostgreSQL. copractice.library.search reads both; the
# expressions here must match the ones there. A later batch migration of resource_search on
# SQLite would drop the triggers: recreate them with create_search_index() if you write one.
PG_VECTOR = ("setweight(to_tsvector('english', coalesce(title, '')), 'A') || "
             "setweight(to_tsvector('english', coalesce(body, '')), 'B')")
SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE resource_fts USING fts5(title, body, content='resource_search', "
    "content_rowid='resource_id', tokenize='porter unicode61')",
    "CREATE TRIGGER resource_search_ai AFTER INSERT ON resource_search BEGIN "
    "INSERT INTO resource_fts(rowid, title, body) VALUES (new.resource_id, new.title, new.body); END",
    "CREATE TRIGGER resource_search_ad AFTER DELETE ON resource_search BEGIN "
    "INSERT INTO resource_fts(resource_fts, rowid, title, body) VALUES ('delete', old.resource_id, old.title, old.body); END",
    "CREATE TRIGGER resource_search_au AFTER UPDATE ON resource_search BEGIN "
    "INSERT INTO resource_fts(resource_fts, rowid, title, body) VALUES ('delete', old.resource_id, old.title, old.body); "
    "INSERT INTO resource_fts(rowid, title, body) VALUES (new.resource_id, new.title, new.body); END",
]


def create_search_index():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_resource_search_tsv ON resource_search USING gin (({PG_VECTOR}))")
    else:
        for statement in SQLITE_SEARCH:
            op.execute(statement)


def drop_search_index():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_resource_search_tsv")
    else:
        for name in ("resource_search_ai", "resource_search_ad", "resource_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS resource_fts")


def upgrade():
    op.create_table('resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=140), nullable=False),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('type', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('authors', sa.String(length=500), nullable=True),
    sa.Column('licence', sa.String(length=120), nullable=True),
    sa.Column('review_due', sa.Date(), nullable=True),
    sa.Column('visibility', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('external_url', sa.String(length=1000), nullable=True),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.Column('variant_of_id', sa.Integer(), nullable=True),
    sa.Column('variant_kind', sa.String(length=16), nullable=True),
    sa.Column('language', sa.String(length=60), nullable=True),
    sa.Column('question', sa.Text(), nullable=True),
    sa.Column('population', sa.Text(), nullable=True),
    sa.Column('study_count', sa.Integer(), nullable=True),
    sa.Column('key_findings', sa.Text(), nullable=True),
    sa.Column('plain_summary', sa.Text(), nullable=True),
    sa.Column('extra', sa.JSON(), nullable=False),
    sa.Column('download_count', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['member.id'], name=op.f('fk_resource_created_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['variant_of_id'], ['resource.id'], name=op.f('fk_resource_variant_of_id_resource'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource')),
    sa.UniqueConstraint('slug', name=op.f('uq_resource_slug'))
    )
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_format'), ['format'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_review_due'), ['review_due'], unique=False)
        batch_op.create_index('ix_resource_status_visibility', ['status', 'visibility'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_type'), ['type'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_variant_of_id'), ['variant_of_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_year'), ['year'], unique=False)

    op.create_table('course_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_resource_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_course_resource_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_resource')),
    sa.UniqueConstraint('course_id', 'resource_id', name=op.f('uq_course_resource_course_id_resource_id'))
    )
    with op.batch_alter_table('course_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_resource_course_id'), ['course_id'], unique=False)

    op.create_table('resource_audience',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_type', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_audience_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_audience')),
    sa.UniqueConstraint('resource_id', 'stakeholder_type', name=op.f('uq_resource_audience_resource_id_stakeholder_type'))
    )
    with op.batch_alter_table('resource_audience', schema=None) as batch_op:
        batch_op.create_index('ix_resource_audience_type_resource', ['stakeholder_type', 'resource_id'], unique=False)

    op.create_table('resource_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=120), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_file_resource_id_resource'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['member.id'], name=op.f('fk_resource_file_uploaded_by_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_file'))
    )
    with op.batch_alter_table('resource_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_file_resource_id'), ['resource_id'], unique=False)

    op.create_table('resource_search',
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_search_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('resource_id', name=op.f('pk_resource_search'))
    )
    op.create_table('resource_suggestion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=250), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=True),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.Column('theme_slug', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('resource_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['member.id'], name=op.f('fk_resource_suggestion_decided_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_resource_suggestion_member_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_suggestion_resource_id_resource'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_suggestion'))
    )
    with op.batch_alter_table('resource_suggestion', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resource_suggestion_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_resource_suggestion_status'), ['status'], unique=False)

    op.create_table('resource_tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('tag', sa.String(length=60), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_tag_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_tag')),
    sa.UniqueConstraint('resource_id', 'tag', name=op.f('uq_resource_tag_resource_id_tag'))
    )
    with op.batch_alter_table('resource_tag', schema=None) as batch_op:
        batch_op.create_index('ix_resource_tag_tag_resource', ['tag', 'resource_id'], unique=False)

    op.create_table('resource_theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('theme_slug', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_resource_theme_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_theme')),
    sa.UniqueConstraint('resource_id', 'theme_slug', name=op.f('uq_resource_theme_resource_id_theme_slug'))
    )
    with op.batch_alter_table('resource_theme', schema=None) as batch_op:
        batch_op.create_index('ix_resource_theme_theme_resource', ['theme_slug', 'resource_id'], unique=False)

    op.create_table('saved_resource',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.Integer(), nullable=False),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_saved_resource_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resource_id'], ['resource.id'], name=op.f('fk_saved_resource_resource_id_resource'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_resource')),
    sa.UniqueConstraint('member_id', 'resource_id', name=op.f('uq_saved_resource_member_id_resource_id'))
    )
    with op.batch_alter_table('saved_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_saved_resource_member_id'), ['member_id'], unique=False)

    create_search_index()


def downgrade():
    drop_search_index()
    with op.batch_alter_table('saved_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_saved_resource_member_id'))

    op.drop_table('saved_resource')
    with op.batch_alter_table('resource_theme', schema=None) as batch_op:
        batch_op.drop_index('ix_resource_theme_theme_resource')

    op.drop_table('resource_theme')
    with op.batch_alter_table('resource_tag', schema=None) as batch_op:
        batch_op.drop_index('ix_resource_tag_tag_resource')

    op.drop_table('resource_tag')
    with op.batch_alter_table('resource_suggestion', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_suggestion_status'))
        batch_op.drop_index(batch_op.f('ix_resource_suggestion_member_id'))

    op.drop_table('resource_suggestion')
    op.drop_table('resource_search')
    with op.batch_alter_table('resource_file', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_file_resource_id'))

    op.drop_table('resource_file')
    with op.batch_alter_table('resource_audience', schema=None) as batch_op:
        batch_op.drop_index('ix_resource_audience_type_resource')

    op.drop_table('resource_audience')
    with op.batch_alter_table('course_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_resource_course_id'))

    op.drop_table('course_resource')
    with op.batch_alter_table('resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resource_year'))
        batch_op.drop_index(batch_op.f('ix_resource_variant_of_id'))
        batch_op.drop_index(batch_op.f('ix_resource_type'))
        batch_op.drop_index('ix_resource_status_visibility')
        batch_op.drop_index(batch_op.f('ix_resource_review_due'))
        batch_op.drop_index(batch_op.f('ix_resource_format'))

    op.drop_table('resource')
