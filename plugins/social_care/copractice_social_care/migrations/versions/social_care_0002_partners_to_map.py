"""Primary and Community Health and Social Care: the partner list moves onto the core's partnership map.

Every partner is copied into the core's ``organisation`` tables (issue 15 point 5), mapped to the Social care theme:
its name, website and notes; its county as the areas it serves (Sussex: East and West Sussex); its status
(prospective -> potential, active -> active, paused -> dormant, ended -> dormant, said in its notes and history);
the groups it serves as the plugin's field on the map (``organisation_extra``, plugin "social_care", name
"groups_served", one key a line). Then the plugin's own tables are dropped. Downgrading moves them back.

Depends on the core revision that makes the map's tables (0035), so ``db upgrade`` runs that first.

Revision ID: social_care_0002
Revises: social_care_0001
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

revision = "social_care_0002"
down_revision = "social_care_0001"
branch_labels = None
depends_on = "0035"

THEME = "social-care"
AREAS = {"kent": ("kent",), "surrey": ("surrey",), "sussex": ("east_sussex", "west_sussex")}
STATUS = {"prospective": "potential", "active": "active", "paused": "dormant", "ended": "dormant"}
ENDED = "The partnership had ended (moved from the social care partner list)."
MOVED = "Moved from the social care partner list."

partner = sa.table("social_care_partner", sa.column("id", sa.Integer), sa.column("name", sa.String),
                   sa.column("county", sa.String), sa.column("status", sa.String), sa.column("website", sa.String),
                   sa.column("notes", sa.Text), sa.column("created_at", sa.DateTime),
                   sa.column("updated_at", sa.DateTime))
partner_group = sa.table("social_care_partner_group", sa.column("partner_id", sa.Integer),
                         sa.column("group", sa.String))
organisation = sa.table("organisation", sa.column("id", sa.Integer), sa.column("name", sa.String),
                        sa.column("sector", sa.String), sa.column("status", sa.String),
                        sa.column("status_since", sa.Date), sa.column("website", sa.String),
                        sa.column("notes", sa.Text), sa.column("created_at", sa.DateTime),
                        sa.column("updated_at", sa.DateTime))
organisation_area = sa.table("organisation_area", sa.column("organisation_id", sa.Integer),
                             sa.column("area", sa.String))
organisation_theme = sa.table("organisation_theme", sa.column("organisation_id", sa.Integer),
                              sa.column("theme_slug", sa.String))
status_change = sa.table("organisation_status_change", sa.column("organisation_id", sa.Integer),
                         sa.column("status", sa.String), sa.column("changed_on", sa.Date),
                         sa.column("note", sa.Text), sa.column("recorded_at", sa.DateTime))
extra = sa.table("organisation_extra", sa.column("organisation_id", sa.Integer), sa.column("plugin", sa.String),
                 sa.column("name", sa.String), sa.column("value", sa.Text))


def upgrade():
    bind = op.get_bind()
    groups = {}
    for partner_id, group in bind.execute(sa.select(partner_group.c.partner_id, partner_group.c.group)):
        groups.setdefault(partner_id, []).append(group)
    rows = bind.execute(sa.select(partner).order_by(partner.c.id)).mappings().all()
    for row in rows:
        ended = row["status"] == "ended"
        notes = "\n\n".join(part for part in (row["notes"], ENDED if ended else None) if part) or None
        since = row["updated_at"].date()
        new_id = bind.execute(sa.insert(organisation).values(
            name=row["name"], sector="other", status=STATUS.get(row["status"], "potential"), status_since=since,
            website=row["website"], notes=notes, created_at=row["created_at"], updated_at=row["updated_at"],
        ).returning(organisation.c.id)).scalar_one()
        for area in AREAS.get(row["county"], ()):
            bind.execute(sa.insert(organisation_area).values(organisation_id=new_id, area=area))
        bind.execute(sa.insert(organisation_theme).values(organisation_id=new_id, theme_slug=THEME))
        bind.execute(sa.insert(status_change).values(organisation_id=new_id, status=STATUS.get(row["status"],
                                                                                               "potential"),
                                                     changed_on=since, note=ENDED if ended else MOVED,
                                                     recorded_at=row["updated_at"]))
        if groups.get(row["id"]):
            bind.execute(sa.insert(extra).values(organisation_id=new_id, plugin="social_care", name="groups_served",
                                                 value="\n".join(sorted(groups[row["id"]]))))
    with op.batch_alter_table("social_care_partner_group") as batch:
        batch.drop_index(batch.f("ix_social_care_partner_group_partner_id"))
    op.drop_table("social_care_partner_group")
    with op.batch_alter_table("social_care_partner") as batch:
        batch.drop_index("ix_social_care_partner_county_status")
    op.drop_table("social_care_partner")


def downgrade():
    """The plugin's tables again, holding the map's Social care organisations (taken off the map, or off the
    theme where another theme has them too)."""
    op.create_table(
        "social_care_partner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("county", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("website", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_care_partner")),
    )
    with op.batch_alter_table("social_care_partner") as batch:
        batch.create_index("ix_social_care_partner_county_status", ["county", "status"])
    op.create_table(
        "social_care_partner_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("group", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["partner_id"], ["social_care_partner.id"],
                                name=op.f("fk_social_care_partner_group_partner_id_social_care_partner"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_social_care_partner_group")),
        sa.UniqueConstraint("partner_id", "group", name=op.f("uq_social_care_partner_group_partner_id_group")),
    )
    with op.batch_alter_table("social_care_partner_group") as batch:
        batch.create_index(batch.f("ix_social_care_partner_group_partner_id"), ["partner_id"])
    bind = op.get_bind()
    ids = [i for (i,) in bind.execute(sa.select(organisation_theme.c.organisation_id)
                                      .where(organisation_theme.c.theme_slug == THEME))]
    back = {"potential": "prospective", "contacted": "prospective", "active": "active", "dormant": "paused"}
    for org_id in ids:
        row = bind.execute(sa.select(organisation).where(organisation.c.id == org_id)).mappings().one()
        areas = {a for (a,) in bind.execute(sa.select(organisation_area.c.area)
                                            .where(organisation_area.c.organisation_id == org_id))}
        county = next((c for c, names in AREAS.items() if areas & set(names)), "kent")
        notes = row["notes"]
        ended = bool(notes and ENDED in notes)
        if ended:
            notes = notes.replace("\n\n" + ENDED, "").replace(ENDED, "") or None
        partner_id = bind.execute(sa.insert(partner).values(
            name=row["name"], county=county, status="ended" if ended else back.get(row["status"], "prospective"),
            website=row["website"], notes=notes, created_at=row["created_at"], updated_at=row["updated_at"],
        ).returning(partner.c.id)).scalar_one()
        stored = bind.execute(sa.select(extra.c.value).where(extra.c.organisation_id == org_id,
                                                             extra.c.plugin == "social_care",
                                                             extra.c.name == "groups_served")).scalar()
        for group in sorted(set((stored or "").splitlines())):
            bind.execute(sa.insert(partner_group).values(partner_id=partner_id, group=group))
        themes = {t for (t,) in bind.execute(sa.select(organisation_theme.c.theme_slug)
                                             .where(organisation_theme.c.organisation_id == org_id))}
        bind.execute(sa.delete(extra).where(extra.c.organisation_id == org_id, extra.c.plugin == "social_care"))
        if themes == {THEME}:
            for table in (organisation_area, organisation_theme, status_change, extra):
                bind.execute(sa.delete(table).where(table.c.organisation_id == org_id))
            bind.execute(sa.delete(organisation).where(organisation.c.id == org_id))
        else:
            bind.execute(sa.delete(organisation_theme).where(organisation_theme.c.organisation_id == org_id,
                                                             organisation_theme.c.theme_slug == THEME))
