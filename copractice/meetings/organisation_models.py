"""The partnership map's tables (issue 15 point 5): organisations and communities, the areas they serve, the
themes they are interested in, the history of the partnership's status, and plugins' extra fields.

A named contact is personal data: ``contact_name`` and ``contact_email`` are kept only with the contact's consent
(``contact_consent_on``, the date they gave it); the rule is in copractice/meetings/organisations.py.
"""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.timeutil import utcnow

SECTORS = {
    "nhs_trust": "NHS trust",
    "primary_care": "Primary care",
    "local_authority": "Local authority or social care",
    "voluntary": "Voluntary and community sector",
    "education": "Education",
    "community_group": "Community group",
    "other": "Other",
}
STATUSES = {"potential": "Potential partner", "contacted": "Contacted", "active": "Active partner",
            "dormant": "Dormant"}


class Organisation(db.Model):
    """An organisation or community the programme works with, or could."""

    __tablename__ = "organisation"
    __table_args__ = (Index("ix_organisation_status_name", "status", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sector: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="potential")
    status_since: Mapped[date] = mapped_column(Date)
    website: Mapped[str | None] = mapped_column(String(500))
    notes: Mapped[str | None] = mapped_column(Text)
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    contact_consent_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    area_rows: Mapped[list["OrganisationArea"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                               order_by="OrganisationArea.area")
    theme_rows: Mapped[list["OrganisationTheme"]] = relationship(cascade="all, delete-orphan", lazy="selectin",
                                                                 order_by="OrganisationTheme.theme_slug")

    @property
    def areas(self):
        return [row.area for row in self.area_rows]

    @property
    def themes(self):
        return [row.theme_slug for row in self.theme_rows]


class OrganisationArea(db.Model):
    """An area an organisation serves (a key of copractice.members.models.AREAS)."""

    __tablename__ = "organisation_area"
    __table_args__ = (UniqueConstraint("organisation_id", "area"), Index("ix_organisation_area_area", "area"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    area: Mapped[str] = mapped_column(String(32))


class OrganisationTheme(db.Model):
    """A theme of the site an organisation is interested in: its leads map it."""

    __tablename__ = "organisation_theme"
    __table_args__ = (UniqueConstraint("organisation_id", "theme_slug"),
                      Index("ix_organisation_theme_theme_slug", "theme_slug"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    theme_slug: Mapped[str] = mapped_column(String(64))


class OrganisationStatusChange(db.Model):
    """One step of a partnership's history: the status it took, from which date, and why (optional)."""

    __tablename__ = "organisation_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrganisationExtra(db.Model):
    """The answer to a field a plugin adds to organisations (``copractice_organisation_fields``), per plugin."""

    __tablename__ = "organisation_extra"
    __table_args__ = (UniqueConstraint("organisation_id", "plugin", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
