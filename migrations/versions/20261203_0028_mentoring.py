"""mentoring: offers to mentor or buddy, requests for one (which become pairs), and declines

Issue 14 point 7 (copractice/community/mentoring_models.py).

Revision ID: 0028
Revises: 0030
Create Date: 2026-12-03 16:55:27.772136
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentor_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('active_pairs', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=32), nullable=True),
    sa.Column('experience', sa.Text(), nullable=False),
    sa.Column('experience_tags', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_mentor_offer_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_offer')),
    sa.UniqueConstraint('member_id', 'kind', name=op.f('uq_mentor_offer_member_id_kind'))
    )
    op.create_table('mentor_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('open_kind', sa.String(length=16), nullable=True),
    sa.Column('area', sa.String(length=32), nullable=True),
    sa.Column('hopes', sa.Text(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', sa.DateTime(), nullable=True),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('answer_message', sa.Text(), nullable=True),
    sa.Column('started_at', sa.DateTime(), nullable=True),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('ended_by_id', sa.Integer(), nullable=True),
    sa.Column('end_message', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['ended_by_id'], ['member.id'], name=op.f('fk_mentor_request_ended_by_id_member'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_mentor_request_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['mentor_id'], ['member.id'], name=op.f('fk_mentor_request_mentor_id_member'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_request')),
    sa.UniqueConstraint('member_id', 'open_kind', name=op.f('uq_mentor_request_member_id_open_kind'))
    )
    with op.batch_alter_table('mentor_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_request_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_request_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('ix_mentor_request_status_created', ['status', 'created_at'], unique=False)

    op.create_table('mentor_decline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['mentor_id'], ['member.id'], name=op.f('fk_mentor_decline_mentor_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['request_id'], ['mentor_request.id'], name=op.f('fk_mentor_decline_request_id_mentor_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_decline'))
    )
    with op.batch_alter_table('mentor_decline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_decline_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_mentor_decline_request_id'), ['request_id'], unique=False)

    op.create_table('mentor_offer_theme',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('theme_slug', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['offer_id'], ['mentor_offer.id'], name=op.f('fk_mentor_offer_theme_offer_id_mentor_offer'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'theme_slug', name=op.f('pk_mentor_offer_theme'))
    )
    with op.batch_alter_table('mentor_offer_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_offer_theme_theme_slug'), ['theme_slug'], unique=False)

    op.create_table('mentor_request_theme',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('theme_slug', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['mentor_request.id'], name=op.f('fk_mentor_request_theme_request_id_mentor_request'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('request_id', 'theme_slug', name=op.f('pk_mentor_request_theme'))
    )
    with op.batch_alter_table('mentor_request_theme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_request_theme_theme_slug'), ['theme_slug'], unique=False)



def downgrade():
    with op.batch_alter_table('mentor_request_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_request_theme_theme_slug'))

    op.drop_table('mentor_request_theme')
    with op.batch_alter_table('mentor_offer_theme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_offer_theme_theme_slug'))

    op.drop_table('mentor_offer_theme')
    with op.batch_alter_table('mentor_decline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mentor_decline_request_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_decline_mentor_id'))

    op.drop_table('mentor_decline')
    with op.batch_alter_table('mentor_request', schema=None) as batch_op:
        batch_op.drop_index('ix_mentor_request_status_created')
        batch_op.drop_index(batch_op.f('ix_mentor_request_mentor_id'))
        batch_op.drop_index(batch_op.f('ix_mentor_request_member_id'))

    op.drop_table('mentor_request')
    op.drop_table('mentor_offer')
