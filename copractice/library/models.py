"""The resource library: resources, their file versions, themes, audiences, tags and variants."""
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from copractice.extensions import db
from copractice.members.models import Member
from copractice.timeutil import utcnow

RESOURCE_TYPES = {
    "guide": "Guide",
    "leaflet": "Leaflet",
    "case_study": "Case study",
    "review_summary": "Systematic-review summary",
    "toolkit": "Toolkit or template",
    "video": "Video or link",
}
VARIANT_KINDS = {"easy_read": "Easy Read", "large_print": "Large print", "bsl": "British Sign Language video",
                 "translation": "Translation"}
VISIBILITIES = {"public": "Everyone", "members": "Members who have logged in",
                "theme": "Members taking part in its themes"}
STATUSES = {"draft": "Draft", "published": "Published", "retired": "Retired"}
FORMATS = {"pdf": "PDF", "word": "Word document", "powerpoint": "PowerPoint", "excel": "Excel spreadsheet",
           "opendocument": "OpenDocument text", "image": "Image", "link": "Web page or video"}


class Resource(db.Model):
    """A guide, leaflet, case study, review summary, toolkit or video: a file or an external link."""

    __tablename__ = "resource"
    __table_args__ = (Index("ix_resource_status_visibility", "status", "visibility"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    title: Mapped[str] = mapped_column(String(250))
    summary: Mapped[str] = mapped_column(Text)  # plain English
    type: Mapped[str] = mapped_column(String(32), index=True)
    year: Mapped[int | None] = mapped_column(index=True)
    authors: Mapped[str | None] = mapped_column(String(500))
    licence: Mapped[str | None] = mapped_column(String(120))
    review_due: Mapped[date | None] = mapped_column(Date, index=True)
    visibility: Mapped[str] = mapped_column(String(16), default="public")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    external_url: Mapped[str | None] = mapped_column(String(1000))
    # Kept with the current file (or "link"): what the format facet counts.
    format: Mapped[str | None] = mapped_column(String(16), index=True)
    variant_of_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id", ondelete="SET NULL"), index=True)
    variant_kind: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(60))
    # Systematic-review summaries.
    question: Mapped[str | None] = mapped_column(Text)
    population: Mapped[str | None] = mapped_column(Text)
    study_count: Mapped[int | None]
    key_findings: Mapped[str | None] = mapped_column(Text)
    plain_summary: Mapped[str | None] = mapped_column(Text)
    # Fields of types that plugins add (copractice_resource_types).
    extra: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)  # the library's ETag

    theme_rows: Mapped[list["ResourceTheme"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    audience_rows: Mapped[list["ResourceAudience"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    tag_rows: Mapped[list["ResourceTag"]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    files: Mapped[list["ResourceFile"]] = relationship(cascade="all, delete-orphan", order_by="ResourceFile.id.desc()")
    variant_of: Mapped["Resource | None"] = relationship(remote_side=[id], back_populates="variants")
    variants: Mapped[list["Resource"]] = relationship(back_populates="variant_of")

    @property
    def themes(self):
        return [row.theme_slug for row in self.theme_rows]

    @property
    def audience(self):
        return [row.stakeholder_type for row in self.audience_rows]

    @property
    def tags(self):
        return [row.tag for row in self.tag_rows]

    @property
    def current_file(self):
        return self.files[0] if self.files else None

    @property
    def type_label(self):
        return type_label(self.type)

    @property
    def format_label(self):
        return FORMATS.get(self.format, "")


class ResourceTheme(db.Model):
    __tablename__ = "resource_theme"
    __table_args__ = (UniqueConstraint("resource_id", "theme_slug"),
                      Index("ix_resource_theme_theme_resource", "theme_slug", "resource_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    theme_slug: Mapped[str] = mapped_column(String(64))


class ResourceAudience(db.Model):
    __tablename__ = "resource_audience"
    __table_args__ = (UniqueConstraint("resource_id", "stakeholder_type"),
                      Index("ix_resource_audience_type_resource", "stakeholder_type", "resource_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    stakeholder_type: Mapped[str] = mapped_column(String(32))


class ResourceTag(db.Model):
    __tablename__ = "resource_tag"
    __table_args__ = (UniqueConstraint("resource_id", "tag"), Index("ix_resource_tag_tag_resource", "tag", "resource_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(60))


class ResourceFile(db.Model):
    """One uploaded version of a resource's file; the newest is the current one, earlier ones are kept."""

    __tablename__ = "resource_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(String(64))  # the SHA-256 of the content
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))


class ResourceSearch(db.Model):
    """The text search reads: SQLite indexes it with FTS5, PostgreSQL with a GIN tsvector index (see migrations)."""

    __tablename__ = "resource_search"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)  # summary, tags and authors
    # What the filters, facets and visibility rules need ("type:guide", "audience:carer", "shown:public", ...;
    # copractice.library.search.keys_for), so a search with facets reads this one row: a text[] in the GIN
    # index beside the words on PostgreSQL, a JSON list on SQLite.
    keys: Mapped[list[str]] = mapped_column(JSON().with_variant(ARRAY(Text), "postgresql"), default=list)


class SavedResource(db.Model):
    __tablename__ = "saved_resource"
    __table_args__ = (UniqueConstraint("member_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))
    saved_at: Mapped[datetime] = mapped_column(default=utcnow)

    resource: Mapped[Resource] = relationship()


class CourseResource(db.Model):
    """A resource recommended on a course page."""

    __tablename__ = "course_resource"
    __table_args__ = (UniqueConstraint("course_id", "resource_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"))

    resource: Mapped[Resource] = relationship()


class ResourceSuggestion(db.Model):
    """A member's suggestion of a resource, waiting for a curator."""

    __tablename__ = "resource_suggestion"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(250))
    url: Mapped[str | None] = mapped_column(String(1000))
    summary: Mapped[str | None] = mapped_column(Text)
    theme_slug: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="waiting", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    resource_id: Mapped[int | None] = mapped_column(ForeignKey("resource.id", ondelete="SET NULL"))

    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])


class ResourceDownload(db.Model):
    """How many times a resource was downloaded on a day: one upsert per download.

    Kept out of ``resource`` so a download (an anonymous GET) changes nothing the catalogue, the
    library or a resource page is built from, nor their ETags (issue 12).
    """

    __tablename__ = "resource_download"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resource.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    count: Mapped[int] = mapped_column(default=0)


def type_label(type_key):
    """What a resource type is called on the page."""
    return RESOURCE_TYPES.get(type_key, type_key.replace("_", " ").capitalize())


@dataclass(frozen=True)
class ResourceLink:
    """What a list of links to resources shows (no ORM object): the course page's recommendations."""

    id: int
    slug: str
    title: str
    type: str
    updated_at: datetime

    @property
    def type_label(self):
        return type_label(self.type)
