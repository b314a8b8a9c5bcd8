"""The impact log and projects' GRIPP2 records (issue 16 point 6): the rules, the readings pages use, the exports.

Operations flush; the request commits. Who may do what is asked of ``can`` (impact.record, impact.edit_entry,
project.edit).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, extract, select

from copractice.audit import audit
from copractice.errors import Refused
from copractice.extensions import db
from copractice.measurement.impact_models import (
    GRIPP2_ITEMS,
    NOT_REPORTED,
    PRINCIPLES,
    UK_STANDARDS,
    ImpactContributor,
    ImpactEntry,
    ImpactProject,
    ImpactProjectLead,
)
from copractice.meetings.agenda_models import AgendaItem, Decision, SaidWeDid
from copractice.meetings.log import impact_entries
from copractice.meetings.models import Group, Meeting
from copractice.members.models import Member
from copractice.permissions import can
from copractice.plugins import get_plugins
from copractice.timeutil import uk_date

MAX_TEXT = 4000


class ImpactRefused(Refused):
    """A rule of the impact log or a project's record says no; ``field`` names the form field it belongs beside."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


def site_themes() -> dict[str, str]:
    """{slug: name} of the site's themes, in the site's order."""
    return {slug: theme.name for slug, theme in get_plugins().themes().items()}


def _members_by_email(text, field):
    """The members named by email address, one a line (blank lines ignored); an unknown address is refused."""
    emails = [line.strip().lower() for line in (text or "").replace(",", "\n").splitlines() if line.strip()]
    if not emails:
        return []
    found = {m.email.lower(): m for m in db.session.scalars(
        select(Member).where(Member.email.in_(emails), Member.erased_at.is_(None)))}
    unknown = [e for e in emails if e not in found]
    if unknown:
        raise ImpactRefused(f"No member has the email address {unknown[0]}. Check it, or leave it out.", field)
    return list({m.id: m for m in (found[e] for e in emails)}.values())


# -- the impact log ---------------------------------------------------------------------------------------------

@dataclass
class EntryInput:
    theme_slug: str
    what_changed: str
    for_whom: str
    happened_on: date | None
    evidence: str = ""
    evidence_link: str = ""
    contributors: str = ""  # email addresses, one a line
    principle: str = ""
    standard: str = ""
    decision_id: int | None = None
    said_we_did_id: int | None = None


def _check_entry(actor, data: EntryInput):
    if data.theme_slug not in site_themes():
        raise ImpactRefused("Choose a theme.", "theme_slug")
    if not can(actor, "impact.record", data.theme_slug):
        raise ImpactRefused("Choose a theme you lead.", "theme_slug")
    what, whom = (data.what_changed or "").strip(), (data.for_whom or "").strip()
    if not what:
        raise ImpactRefused("Write what changed.", "what_changed")
    if len(what) > MAX_TEXT or len(data.evidence or "") > MAX_TEXT:
        raise ImpactRefused(f"Use {MAX_TEXT:,} characters or fewer.", "what_changed")
    if not whom:
        raise ImpactRefused("Write who it changed things for.", "for_whom")
    if data.happened_on is None:
        raise ImpactRefused("Enter the date it changed.", "happened_on")
    link = (data.evidence_link or "").strip()
    if link and urlsplit(link).scheme not in ("http", "https"):
        raise ImpactRefused("Enter a full web address starting with https://", "evidence_link")
    if data.principle and data.principle not in PRINCIPLES:
        raise ImpactRefused("Choose one of the five principles.", "principle")
    if data.standard and data.standard not in UK_STANDARDS:
        raise ImpactRefused("Choose one of the six standards.", "standard")
    if data.decision_id is not None and db.session.get(Decision, data.decision_id) is None:
        raise ImpactRefused("Choose one of the meetings' decisions.", "decision_id")
    if data.said_we_did_id is not None and db.session.get(SaidWeDid, data.said_we_did_id) is None:
        raise ImpactRefused("Choose one of the \"you said, we did\" entries.", "said_we_did_id")
    return what, whom, link


def save_entry(actor, entry: ImpactEntry | None, data: EntryInput) -> ImpactEntry:
    """Add an entry to the impact log (``entry`` None) or change one."""
    if entry is not None and not can(actor, "impact.edit_entry", entry):
        raise ImpactRefused("Only its author, the lead of its theme or an admin can change this entry.")
    what, whom, link = _check_entry(actor, data)
    people = _members_by_email(data.contributors, "contributors")
    if entry is None:
        entry = ImpactEntry(created_by_id=actor.id)
        db.session.add(entry)
    entry.theme_slug, entry.what_changed, entry.for_whom = data.theme_slug, what, whom
    entry.evidence, entry.evidence_link = (data.evidence or "").strip(), link or None
    entry.happened_on = data.happened_on
    entry.principle, entry.standard = data.principle or None, data.standard or None
    entry.decision_id, entry.said_we_did_id = data.decision_id, data.said_we_did_id
    entry.contributors = [c for c in entry.contributors if c.member_id in {p.id for p in people}]
    kept = {c.member_id for c in entry.contributors}
    entry.contributors.extend(ImpactContributor(member_id=p.id) for p in people if p.id not in kept)
    db.session.flush()
    audit(actor, "impact.entry_saved", "impact_entry", entry.id, what[:200])
    return entry


def remove_entry(actor, entry: ImpactEntry) -> None:
    if not can(actor, "impact.edit_entry", entry):
        raise ImpactRefused("Only its author, the lead of its theme or an admin can remove this entry.")
    audit(actor, "impact.entry_removed", "impact_entry", entry.id, entry.what_changed[:200])
    db.session.delete(entry)
    db.session.flush()


@dataclass
class LogRow:
    id: int
    theme_slug: str
    what_changed: str
    for_whom: str
    evidence: str
    evidence_link: str | None
    happened_on: date
    principle: str
    standard: str
    decision: str | None
    said_we_did: str | None
    created_by_id: int | None
    contributors: list[str] = field(default_factory=list)


def year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1), datetime(year + 1, 1, 1)


def log_rows(*, theme_slug: str | None = None, year: int | None = None) -> list[LogRow]:
    """The log's entries, newest first, with what each is linked to and who contributed (two queries)."""
    query = (select(ImpactEntry.id, ImpactEntry.theme_slug, ImpactEntry.what_changed, ImpactEntry.for_whom,
                    ImpactEntry.evidence, ImpactEntry.evidence_link, ImpactEntry.happened_on, ImpactEntry.principle,
                    ImpactEntry.standard, Decision.text, SaidWeDid.we_did, ImpactEntry.created_by_id)
             .outerjoin(Decision, Decision.id == ImpactEntry.decision_id)
             .outerjoin(SaidWeDid, SaidWeDid.id == ImpactEntry.said_we_did_id)
             .order_by(ImpactEntry.happened_on.desc(), ImpactEntry.id.desc()))
    if theme_slug:
        query = query.where(ImpactEntry.theme_slug == theme_slug)
    if year:
        query = query.where(extract("year", ImpactEntry.happened_on) == year)
    rows = [LogRow(r[0], r[1], r[2], r[3], r[4], r[5], r[6], PRINCIPLES.get(r[7] or "", ""),
                   UK_STANDARDS.get(r[8] or "", ""), r[9], r[10], r[11]) for r in db.session.execute(query)]
    if rows:
        by_id = {row.id: row for row in rows}
        for entry_id, name in db.session.execute(
                select(ImpactContributor.entry_id, Member.name).join(Member, Member.id == ImpactContributor.member_id)
                .where(ImpactContributor.entry_id.in_(list(by_id))).order_by(Member.name)):
            by_id[entry_id].contributors.append(name)
    return rows


def decision_choices(theme_slug: str | None = None) -> list[tuple[int, str]]:
    """(id, label) of meetings' decisions, newest first: those of the theme's groups when a theme is given."""
    query = (select(Decision.id, Decision.text, Meeting.title, Meeting.starts_at)
             .join(AgendaItem, AgendaItem.id == Decision.item_id).join(Meeting, Meeting.id == AgendaItem.meeting_id)
             .join(Group, Group.id == Meeting.group_id).order_by(Meeting.starts_at.desc(), Decision.id.desc())
             .limit(200))
    if theme_slug:
        query = query.where(Group.theme_slug == theme_slug)
    return [(i, f"{title} ({uk_date(starts)}): {text[:80]}") for i, text, title, starts in db.session.execute(query)]


def said_we_did_choices(theme_slug: str | None = None) -> list[tuple[int, str]]:
    """(id, label) of the groups' "you said, we did" entries, newest first."""
    return [(e.id, f"{e.group_name}: {e.we_did[:80]}") for e in impact_entries(theme_slug=theme_slug, limit=200)]


# -- projects and their GRIPP2 short form ------------------------------------------------------------------------

@dataclass
class ProjectInput:
    name: str
    theme_slug: str
    leads: str = ""  # email addresses, one a line
    aim: str = ""
    methods: str = ""
    results: str = ""
    outcomes: str = ""
    reflection: str = ""


def save_project(actor, project: ImpactProject | None, data: ProjectInput) -> ImpactProject:
    """Set up a project (``project`` None: admins and theme leads) or fill in its GRIPP2 record (its leads too)."""
    if project is None:
        if not can(actor, "impact.record", data.theme_slug if data.theme_slug in site_themes() else None):
            raise ImpactRefused("Choose a theme you lead.", "theme_slug")
    elif not can(actor, "project.edit", project):
        raise ImpactRefused("Only the project's leads, the lead of its theme or an admin can change it.")
    name = (data.name or "").strip()
    if not name:
        raise ImpactRefused("Enter the project's name.", "name")
    if len(name) > 200:
        raise ImpactRefused("Use 200 characters or fewer.", "name")
    if data.theme_slug not in site_themes():
        raise ImpactRefused("Choose a theme.", "theme_slug")
    for key in GRIPP2_ITEMS:
        if len(getattr(data, key) or "") > MAX_TEXT:
            raise ImpactRefused(f"Use {MAX_TEXT:,} characters or fewer.", key)
    leads = _members_by_email(data.leads, "leads")
    if project is None:
        project = ImpactProject()
        db.session.add(project)
    elif data.theme_slug != project.theme_slug and not can(actor, "impact.record", data.theme_slug):
        raise ImpactRefused("Choose a theme you lead.", "theme_slug")
    project.name, project.theme_slug = name, data.theme_slug
    for key in GRIPP2_ITEMS:
        setattr(project, key, (getattr(data, key) or "").strip())
    wanted = {m.id for m in leads}
    project.leads = [lead for lead in project.leads if lead.member_id in wanted]
    have = {lead.member_id for lead in project.leads}
    project.leads.extend(ImpactProjectLead(member_id=i) for i in wanted - have)
    db.session.flush()
    audit(actor, "impact.project_saved", "impact_project", project.id, name)
    return project


def gripp2_items(project: ImpactProject) -> list[tuple[str, str, str]]:
    """(heading, question, answer) for each GRIPP2 short-form item; an item left empty says "Not reported"."""
    return [(heading, question, (getattr(project, key) or "").strip() or NOT_REPORTED)
            for key, (heading, question) in GRIPP2_ITEMS.items()]


def gripp2_markdown(project: ImpactProject) -> str:
    """The project's GRIPP2 short form as Markdown."""
    theme = site_themes().get(project.theme_slug, project.theme_slug)
    lines = [f"# {project.name}", "", f"GRIPP2 short form. Theme: {theme}.", ""]
    for heading, question, answer in gripp2_items(project):
        lines += [f"## {heading}", "", f"*{question}*", "", answer, ""]
    return "\n".join(lines)


def gripp2_pdf(project: ImpactProject) -> bytes:
    """The project's GRIPP2 short form as PDF bytes (fpdf2)."""
    from copractice.measurement.pdf import Document

    doc = Document(f"GRIPP2 short form: {project.name}")
    doc.heading(project.name, size=18)
    doc.text(f"GRIPP2 short form. Theme: {site_themes().get(project.theme_slug, project.theme_slug)}.")
    for heading, question, answer in gripp2_items(project):
        doc.heading(heading)
        doc.text(question, italic=True)
        doc.text(answer)
    return doc.output()


def project_rows(member=None) -> list[ImpactProject]:
    """Projects by name; only those ``member`` leads when given (two queries with their leads)."""
    from sqlalchemy.orm import selectinload

    query = select(ImpactProject).options(selectinload(ImpactProject.leads)).order_by(ImpactProject.name)
    if member is not None:
        query = query.join(ImpactProjectLead).where(ImpactProjectLead.member_id == member.id)
    return list(db.session.scalars(query).unique())


# -- the member's own data ----------------------------------------------------------------------------------------

def export_member_impact(member: Member) -> dict:
    """The impact log entries the member is named in or wrote, and the projects they lead."""
    contributed = db.session.execute(
        select(ImpactEntry).join(ImpactContributor).where(ImpactContributor.member_id == member.id)).scalars().all()
    wrote = db.session.scalars(select(ImpactEntry).where(ImpactEntry.created_by_id == member.id)).all()
    projects = db.session.scalars(select(ImpactProject).join(ImpactProjectLead)
                                  .where(ImpactProjectLead.member_id == member.id)).all()

    def row(e):
        return {"what_changed": e.what_changed, "for_whom": e.for_whom, "theme": e.theme_slug,
                "happened_on": e.happened_on.isoformat()}

    return {"contributed_to": [row(e) for e in contributed], "wrote": [row(e) for e in wrote],
            "projects_led": [{"project": p.name, "theme": p.theme_slug} for p in projects]}


def erase_member_impact(member: Member) -> None:
    """Take the member's name off the impact log and off projects (what changed stays, unnamed)."""
    db.session.execute(delete(ImpactContributor).where(ImpactContributor.member_id == member.id))
    db.session.execute(delete(ImpactProjectLead).where(ImpactProjectLead.member_id == member.id))
