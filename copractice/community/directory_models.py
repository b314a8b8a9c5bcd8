"""The member directory's tables (issue 14 point 5): a member's entry, its tags, and plugins' extra fields.

Who is listed is not stored here: it is the member's latest "directory" consent (ConsentEvent), read in the same
query as the listing, so withdrawing it removes them from the very next page. These rows hold what the member
wrote about themselves; they are kept while the consent is off (to come back as they were), exported with the
member's data and deleted when the account is erased (copractice/members/data_rights.py).
"""
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from copractice.extensions import db
from copractice.timeutil import utcnow

# What a tag describes: an area of expertise, a theme of the site (value: the theme's slug), or lived
# experience (shown only under its own consent, "lived_experience").
TAG_KINDS = ("expertise", "theme", "lived")


class DirectoryEntry(db.Model):
    """What a member says about themselves in the directory, beyond their profile."""

    __tablename__ = "directory_entry"

    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), primary_key=True)
    open_to_mentoring: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class DirectoryTag(db.Model):
    """One tag of a member's entry: ``value`` is the normalised form searched and counted, ``label`` as typed."""

    __tablename__ = "directory_tag"
    __table_args__ = (
        UniqueConstraint("member_id", "kind", "value"),
        Index("ix_directory_tag_kind_value", "kind", "value"),  # a facet's filter: who has this tag
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(64))


class DirectoryExtra(db.Model):
    """The answer to a field a plugin adds to directory entries (``copractice_directory_fields``), per plugin."""

    __tablename__ = "directory_extra"
    __table_args__ = (UniqueConstraint("member_id", "plugin", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(64))
    value: Mapped[str | None] = mapped_column(Text)
