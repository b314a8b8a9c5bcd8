"""Starting Well: members who gave an under-18 age band are recorded as under 18.

The community's lists adults see (the directory, "who can I message", mentoring suggestions) filter on
``member.under_18`` in SQL; since this change, saving a profile answer records there what the plugin's
``copractice_is_young`` says (an under-18 age band). This does the same once for the answers saved before.
Nothing to undo: a downgrade leaves the column as it is (it cannot know who ticked "under 18" themselves).

Revision ID: childrens_mental_health_0002
Revises: childrens_mental_health_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "childrens_mental_health_0002"
down_revision = "childrens_mental_health_0001"
branch_labels = None
depends_on = "0022"  # member.under_18

def upgrade():
    # The plugin's bands whose members are all under 18 (UNDER_18_BANDS when this was written).
    op.execute(sa.text(
        "UPDATE member SET under_18 = :yes WHERE under_18 = :no AND erased_at IS NULL AND id IN ("
        "SELECT member_id FROM profile_answer WHERE plugin = 'childrens_mental_health' AND field = 'age_band' "
        "AND value IN ('under_13', '13_15', '16_17'))").bindparams(yes=True, no=False))


def downgrade():
    pass
