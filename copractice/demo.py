"""A small believable demo site: one member of each role and stakeholder type, and a few courses."""
from datetime import datetime, timedelta

from sqlalchemy import select

from copractice.courses.models import Course, CourseFacilitator, Enrolment, Session
from copractice.extensions import db
from copractice.members import operations
from copractice.members.models import Member, ThemeLeadership
from copractice.security import hash_password
from copractice.timeutil import london_to_utc, utcnow
from copractice.urls import slugify

DEMO_PASSWORD = "copractice-demo"

# (email, name, role, stakeholder type, area, organisation, access needs)
DEMO_MEMBERS = [
    ("admin@example.org", "Priya Shah", "admin", "researcher", "kent", "ARC Kent, Surrey and Sussex", []),
    ("lead@example.org", "Tom Okafor", "theme_lead", "researcher", "surrey", "University of Surrey", []),
    ("facilitator@example.org", "Grace Miller", "facilitator", "practitioner", "east_sussex",
     "Sussex Partnership NHS Foundation Trust", []),
    ("trainee@example.org", "Sam Patel", "trainee", "public_contributor", "west_sussex", None, ["large_print"]),
    ("patient@example.org", "Margaret Hughes", "trainee", "patient", "kent", None, ["step_free", "carer_attending"]),
    ("carer@example.org", "David Hughes", "trainee", "carer", "kent", None, []),
    ("young@example.org", "Aisha Begum", "trainee", "young_person", "medway", None, ["easy_read"]),
    ("practitioner@example.org", "Chris Evans", "trainee", "practitioner", "brighton_and_hove",
     "Brighton and Hove City Council", []),
    ("commissioner@example.org", "Helen Ward", "trainee", "commissioner", "surrey", "Surrey Heartlands ICB", []),
    ("other@example.org", "Jo Rivers", "trainee", "other", "outside_region", "Community Voice CIC", ["bsl"]),
]


def create_demo_data():
    """Create the demo members that do not exist yet; return (how many were new, all demo members)."""
    created = 0
    members = []
    password_hash = None
    for email, name, role, kind, area, organisation, needs in DEMO_MEMBERS:
        member = operations.find_by_email(email)
        if member is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            member = Member(email=email, name=name, role=role, stakeholder_type=kind, area=area,
                            organisation=organisation, access_needs=needs, password_hash=password_hash,
                            email_verified_at=utcnow())
            if role == "theme_lead":
                member.leaderships.append(ThemeLeadership(theme_slug="cross-cutting"))
            db.session.add(member)
            created += 1
        members.append(member)
    db.session.flush()
    return created, members


# (slug, title, summary, format, capacity, audience, weeks, weekday hour, facilitator emails, lived-experience emails)
DEMO_COURSES = [
    ("introduction-to-co-production", "Introduction to co-production",
     "What co-production means, why it matters in health and care research, and how to start.",
     "online", 20, [], 3, 10, ["facilitator@example.org"], ["patient@example.org"]),
    ("co-producing-with-carers", "Co-producing research with unpaid carers",
     "Practical ways to involve carers as equal partners, from planning to sharing results.",
     "in_person", 2, ["carer", "researcher", "practitioner"], 2, 14, ["lead@example.org"], ["carer@example.org"]),
    ("paying-public-contributors", "Recognising and paying public contributors",
     "How to agree payment, expenses and other recognition before involvement starts.",
     "blended", 15, ["researcher", "commissioner"], 1, 13, ["facilitator@example.org"], []),
]

DESCRIPTION = """This course is for anyone who wants to work in partnership: researchers, practitioners,
commissioners, patients, carers and young people.

**You will learn**

- what the five principles of co-producing research mean in practice
- how to share power and decisions from the start
- how to make sure everyone gets something back
"""


def create_demo_courses(members):
    """Add the demo courses that do not exist yet, with weekly sessions from next week."""
    by_email = {m.email: m for m in members}
    created = 0
    base = (utcnow() + timedelta(days=7)).date()
    for slug, title, summary, fmt, capacity, audience, weeks, hour, facilitators, lived in DEMO_COURSES:
        if db.session.scalar(select(Course.id).where(Course.slug == slug)) is not None:
            continue
        course = Course(slug=slug, title=title, summary=summary, description=DESCRIPTION, format=fmt,
                        capacity=capacity, places_taken=0, theme_slug="cross-cutting", status="published")
        course.audience = audience
        for week in range(weeks):
            local = datetime.combine(base + timedelta(weeks=week), datetime.min.time()).replace(hour=hour)
            course.sessions.append(Session(
                starts_at=london_to_utc(local), ends_at=london_to_utc(local + timedelta(hours=2)),
                venue=None if fmt == "online" else "Canterbury Innovation Centre, University Road, CT2 7FG",
                online_link="https://meet.example.org/co-production" if fmt != "in_person" else None))
        for email in facilitators:
            course.facilitators.append(CourseFacilitator(member_id=by_email[email].id))
        for email in lived:
            course.facilitators.append(CourseFacilitator(member_id=by_email[email].id, lived_experience=True))
        db.session.add(course)
        db.session.flush()
        if capacity == 2:  # a full course with a waiting list, to show how that looks
            for n, email in enumerate(["trainee@example.org", "young@example.org", "practitioner@example.org"]):
                status = "enrolled" if n < 2 else "waiting"
                db.session.add(Enrolment(course_id=course.id, member_id=by_email[email].id, status=status,
                                         queue_key=None if status == "enrolled" else utcnow().timestamp(),
                                         enrolled_at=utcnow() if status == "enrolled" else None))
            course.places_taken = 2
        created += 1
    return created


# (title, type, summary, year, audience, tags, extra fields)
DEMO_RESOURCES = [
    ("A Guide to Co-Production for Researchers, Services and Commissioners", "guide",
     "What co-production is, the five principles, and practical steps for planning, running and "
     "reporting a co-produced project.", 2025, ["researcher", "practitioner", "commissioner"],
     ["principles", "planning"], {}),
    ("Co-Production: Together we are better", "leaflet",
     "A short leaflet for members of the public about taking part in research as an equal partner.", 2025,
     ["public_contributor", "patient", "carer", "young_person"], ["getting involved"], {}),
    ("Co-production case studies guide", "case_study",
     "Six stories of co-produced projects in Kent, Surrey and Sussex: what worked, what did not, and what changed.",
     2024, [], ["case studies", "impact"], {}),
    ("Paying public contributors: what helps and what gets in the way", "review_summary",
     "A summary of research about paying people for their time and expenses when they help with research.",
     2025, ["researcher", "public_contributor"], ["payment", "expenses"],
     {"question": "What helps public contributors to be paid fairly and on time?",
      "population": "Public contributors to health and care research in the UK", "study_count": 14,
      "key_findings": "Agreeing payment in writing before work starts, paying quickly, and offering advice about "
                      "benefits all make taking part fairer.",
      "plain_summary": "People should know what they will be paid before they start, and get paid quickly."}),
]


def _demo_pdf(title, text):
    from fpdf import FPDF

    doc = FPDF()
    doc.add_page()
    doc.set_font("Helvetica", "B", 18)
    doc.multi_cell(0, 10, title)
    doc.set_font("Helvetica", "", 12)
    doc.ln(4)
    doc.multi_cell(0, 7, text)
    return bytes(doc.output())


def create_demo_resources(members):
    """Add the demo library (idempotent by title), with real PDF files and an Easy Read variant."""
    from copractice.library import operations as library
    from copractice.library.models import Resource
    from copractice.library.uploads import CheckedUpload

    curator = next((m for m in members if m.role == "admin"), None)
    created = 0
    for title, kind, summary, year, audience, tags, extra in DEMO_RESOURCES:
        if db.session.scalar(select(Resource.id).where(Resource.title == title)) is not None:
            continue
        if kind == "review_summary":
            upload, link = None, "https://www.nihr.ac.uk/"
        else:
            stem = slugify(title, fallback="resource", max_length=60)
            upload = CheckedUpload(data=_demo_pdf(title, summary), content_type="application/pdf",
                                   filename=f"{stem}.pdf", format="pdf")
            link = None
        item = library.save_resource(curator, None, themes=["cross-cutting"], audience=audience, tags=tags,
                                     upload=upload, title=title, summary=summary, type=kind, year=year,
                                     status="published", visibility="public", external_url=link,
                                     authors="ARC Kent, Surrey and Sussex co-production team",
                                     licence="CC BY 4.0", **extra)
        created += 1
        if kind == "leaflet":
            easy = "Easy Read: " + title
            library.save_resource(curator, None, themes=["cross-cutting"], audience=audience, tags=tags + ["easy read"],
                                  upload=CheckedUpload(data=_demo_pdf(easy, "Research is better when we do it together. "
                                                                            "You can help. We will pay you for your time."),
                                                       content_type="application/pdf", filename="easy-read-leaflet.pdf",
                                                       format="pdf"),
                                  title=easy, summary="The leaflet in Easy Read, with pictures and short sentences.",
                                  type="leaflet", year=year, status="published", visibility="public",
                                  variant_of_id=item.id, variant_kind="easy_read")
            created += 1
    return created


# The regional forum: (email, role in the group); its meetings: (title, days from now, UK hour, place, joining).
DEMO_FORUM_PEOPLE = [("lead@example.org", "chair"), ("facilitator@example.org", "secretary"),
                     ("patient@example.org", "member"), ("carer@example.org", "member"),
                     ("trainee@example.org", "member"), ("other@example.org", "member")]
DEMO_FORUM_MEETINGS = [
    ("Regional forum: what we heard this autumn", -28, 14, "Maidstone Community Hub, ME14 1LH", None),
    ("Regional forum: planning next year", 14, 14, "Maidstone Community Hub, ME14 1LH",
     "Join on Zoom: https://meet.example.org/forum (meeting ID 812 345 6789), or by phone on 0131 460 1196"),
    ("Regional forum: spring meeting", 70, 11, None, "Join on Zoom: https://meet.example.org/forum-spring"),
]


def create_demo_groups(members):
    """The regional public involvement forum (if it is not there yet), with its chair, secretary, members, a past
    meeting with a register and two meetings coming up with answers. Returns how many groups were new."""
    from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp
    from copractice.meetings.models import Group, GroupMember, Meeting

    if db.session.scalar(select(Group.id).where(Group.slug == "regional-forum")) is not None:
        return 0
    by_email = {m.email: m for m in members}
    forum = Group(slug="regional-forum", name="Regional public involvement forum", kind="forum", joining="open",
                  description="Patients, carers and members of the public from across Kent, Surrey and Sussex meet "
                              "every two months to shape the research we do. **Everyone is welcome.**")
    for email, role in DEMO_FORUM_PEOPLE:
        forum.memberships.append(GroupMember(member_id=by_email[email].id, role=role, status="active",
                                             joined_at=utcnow()))
    db.session.add(forum)
    db.session.flush()
    today = utcnow().date()
    for title, days, hour, venue, joining in DEMO_FORUM_MEETINGS:
        local = datetime.combine(today + timedelta(days=days), datetime.min.time()).replace(hour=hour)
        meeting = Meeting(group_id=forum.id, title=title, starts_at=london_to_utc(local), venue=venue,
                          ends_at=london_to_utc(local + timedelta(hours=2)), joining_details=joining,
                          created_by_id=by_email["facilitator@example.org"].id)
        db.session.add(meeting)
        db.session.flush()
        for n, (email, _role) in enumerate(DEMO_FORUM_PEOPLE):
            if days < 0:
                db.session.add(MeetingAttendance(meeting_id=meeting.id, member_id=by_email[email].id,
                                                 status="absent" if n == 5 else "present"))
            elif n >= 2:
                db.session.add(MeetingRsvp(meeting_id=meeting.id, member_id=by_email[email].id,
                                           answer=("yes", "yes", "maybe", "no")[n - 2]))
    return 1
