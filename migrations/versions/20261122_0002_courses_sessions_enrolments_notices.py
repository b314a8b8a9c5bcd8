"""courses, sessions, enrolments, notices

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 00:10:46.038564
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('course',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('theme_slug', sa.String(length=64), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('format', sa.String(length=16), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('places_taken', sa.Integer(), nullable=False),
    sa.Column('enrolment_opens_at', sa.DateTime(), nullable=True),
    sa.Column('enrolment_closes_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('capacity >= 0', name=op.f('ck_course_capacity_not_negative')),
    sa.CheckConstraint('places_taken >= 0', name=op.f('ck_course_places_taken_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course')),
    sa.UniqueConstraint('slug', name=op.f('uq_course_slug'))
    )
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_format'), ['format'], unique=False)
        batch_op.create_index('ix_course_status_theme', ['status', 'theme_slug'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_theme_slug'), ['theme_slug'], unique=False)

    op.create_table('course_audience',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('stakeholder_type', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_audience_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_audience')),
    sa.UniqueConstraint('course_id', 'stakeholder_type', name=op.f('uq_course_audience_course_id_stakeholder_type'))
    )
    with op.batch_alter_table('course_audience', schema=None) as batch_op:
        batch_op.create_index('ix_course_audience_type_course', ['stakeholder_type', 'course_id'], unique=False)

    op.create_table('course_facilitator',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('lived_experience', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_facilitator_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_course_facilitator_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_facilitator')),
    sa.UniqueConstraint('course_id', 'member_id', name=op.f('uq_course_facilitator_course_id_member_id'))
    )
    with op.batch_alter_table('course_facilitator', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_course_facilitator_course_id'), ['course_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_facilitator_member_id'), ['member_id'], unique=False)

    op.create_table('course_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(), nullable=False),
    sa.Column('ends_at', sa.DateTime(), nullable=False),
    sa.Column('venue', sa.String(length=300), nullable=True),
    sa.Column('online_link', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_course_session_ends_after_start')),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_course_session_course_id_course'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_course_session'))
    )
    with op.batch_alter_table('course_session', schema=None) as batch_op:
        batch_op.create_index('ix_course_session_course_starts', ['course_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_course_session_starts_at'), ['starts_at'], unique=False)

    op.create_table('email_preference',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('email', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_email_preference_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_preference')),
    sa.UniqueConstraint('member_id', 'kind', name=op.f('uq_email_preference_member_id_kind'))
    )
    with op.batch_alter_table('email_preference', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_preference_member_id'), ['member_id'], unique=False)

    op.create_table('enrolment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('course_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queue_key', sa.Double(), nullable=True),
    sa.Column('offered_at', sa.DateTime(), nullable=True),
    sa.Column('offer_expires_at', sa.DateTime(), nullable=True),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['course_id'], ['course.id'], name=op.f('fk_enrolment_course_id_course'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_enrolment_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_enrolment')),
    sa.UniqueConstraint('course_id', 'member_id', name=op.f('uq_enrolment_course_id_member_id'))
    )
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.create_index('ix_enrolment_course_status_queue', ['course_id', 'status', 'queue_key'], unique=False)
        batch_op.create_index('ix_enrolment_member_status', ['member_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_enrolment_offer_expires_at'), ['offer_expires_at'], unique=False)

    op.create_table('notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=48), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_notice_member_id_member'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notice'))
    )
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notice_member_id'), ['member_id'], unique=False)

    op.create_table('session_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_session_reminder_member_id_member'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['course_session.id'], name=op.f('fk_session_reminder_session_id_course_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_reminder')),
    sa.UniqueConstraint('session_id', 'member_id', name=op.f('uq_session_reminder_session_id_member_id'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_member_calendar_token'), ['calendar_token'])

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('attachment', sa.Text(), nullable=True))



def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('attachment')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_member_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')

    op.drop_table('session_reminder')
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notice_member_id'))

    op.drop_table('notice')
    with op.batch_alter_table('enrolment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enrolment_offer_expires_at'))
        batch_op.drop_index('ix_enrolment_member_status')
        batch_op.drop_index('ix_enrolment_course_status_queue')

    op.drop_table('enrolment')
    with op.batch_alter_table('email_preference', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_preference_member_id'))

    op.drop_table('email_preference')
    with op.batch_alter_table('course_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_session_starts_at'))
        batch_op.drop_index('ix_course_session_course_starts')

    op.drop_table('course_session')
    with op.batch_alter_table('course_facilitator', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_facilitator_member_id'))
        batch_op.drop_index(batch_op.f('ix_course_facilitator_course_id'))

    op.drop_table('course_facilitator')
    with op.batch_alter_table('course_audience', schema=None) as batch_op:
        batch_op.drop_index('ix_course_audience_type_course')

    op.drop_table('course_audience')
    with op.batch_alter_table('course', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_course_theme_slug'))
        batch_op.drop_index('ix_course_status_theme')
        batch_op.drop_index(batch_op.f('ix_course_format'))

    op.drop_table('course')
