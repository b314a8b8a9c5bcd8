"""Partner organisations and community groups, and the groups each serves (the plugin's own tables)."""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.timeutil import utcnow

COUNTIES = {"kent": "Kent", "surrey": "Surrey", "sussex": "Sussex"}
GROUPS = {
    "older_people": "Older people", "unpaid_carers": "Unpaid carers", "young_carers": "Young carers",
    "learning_disabilities": "People with learning disabilities", "ethnic_minorities": "Ethnic minority communities",
    "lgbtq": "LGBTQ+ people", "rural": "Rural communities", "homeless": "People who are homeless",
    "refugees": "Refugees and people seeking asylum", "mental_health": "People with mental health problems",
}
STATUSES = {"prospective": "Talking about working together", "active": "Active partner",
            "paused": "Partnership paused", "ended": "Partnership ended"}


class Partner(db.Model):
    """An organisation or community group the theme works with, or wants to."""

    __tablename__ = "social_care_partner"
    __table_args__ = (Index("ix_social_care_partner_county_status", "county", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    county: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default="prospective")
    website: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    group_rows: Mapped[list["PartnerGroup"]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    @property
    def groups(self):
        return [row.group for row in self.group_rows]


class PartnerGroup(db.Model):
    __tablename__ = "social_care_partner_group"
    __table_args__ = (UniqueConstraint("partner_id", "group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("social_care_partner.id", ondelete="CASCADE"), index=True)
    group: Mapped[str] = mapped_column(String(32))
