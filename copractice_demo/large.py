"""A large demo site for load and scale tests: ``copractice demo-data --scale large``.

At full size: 100,000 members, 2,000 courses with 20,000 sessions over several years, 300,000
enrolments (waiting lists on some full courses, some cancellations), 1,000,000 attendance marks
with the completions and certificates they earn, and 50,000 resources, all across the four themes.
Rows are written in bulk (PostgreSQL COPY, or SQLAlchemy Core executemany batches on SQLite),
never as ORM objects one by one, in a single transaction that the caller commits.

Derived state is kept as the application keeps it: ``Course.places_taken`` counts enrolled and
offered rows, waiting rows have a ``queue_key``, every resource has its ``resource_search`` row
(SQLite's FTS5 triggers and PostgreSQL's GIN index follow from it), completions follow the course's
completion rule and each has a certificate. Resources point at an external address (no files).
One course is the showcase for benchmarks: 200 enrolled, 50 sessions, its held sessions fully
marked, run by facilitator@example.org, with trainee@example.org among its members.
"""
import json
import math
import random
import secrets
from datetime import date, datetime, timedelta

from sqlalchemy import JSON, bindparam, select, text

from copractice.courses.models import Course
from copractice.demo import DEMO_PASSWORD, DESCRIPTION
from copractice.extensions import db
from copractice.members.models import ACCESS_NEEDS, AREAS, Member, handle_base
from copractice.security import hash_password
from copractice.timeutil import london_to_utc, utcnow

# What factor=1.0 creates (the showcase course counts towards these).
FULL = {"members": 100_000, "courses": 2_000, "sessions": 20_000, "enrolments": 300_000,
        "attendance marks": 1_000_000, "resources": 50_000}
SHOWCASE_SLUG = "co-production-in-practice-a-year-long-programme"
SHOWCASE_ENROLLED, SHOWCASE_SESSIONS, SHOWCASE_HELD = 200, 50, 42
BATCH = 10_000

THEMES = {"cross-cutting": 0.36, "dementia": 0.22, "childrens-mental-health": 0.21, "social-care": 0.21}
STAKEHOLDERS = {"public_contributor": 0.18, "patient": 0.12, "carer": 0.10, "young_person": 0.06,
                "researcher": 0.20, "practitioner": 0.22, "commissioner": 0.05, "other": 0.07}
PROFESSIONAL = {"researcher", "practitioner", "commissioner"}
LIVED_EXPERIENCE = ("patient", "carer", "young_person", "public_contributor")
AREA_WEIGHTS = {"kent": 0.27, "medway": 0.07, "surrey": 0.22, "east_sussex": 0.13, "west_sussex": 0.16,
                "brighton_and_hove": 0.09, "outside_region": 0.06}

FIRST_NAMES = ["Aisha", "Alex", "Amara", "Amir", "Anna", "Ben", "Beth", "Callum", "Charlotte", "Chloe", "Chris", "Daniel", "David", "Deepa", "Eleanor", "Emma", "Ethan", "Fatima", "Femi", "Finn", "Freya", "George", "Grace", "Hannah", "Harry", "Helen", "Imran", "Isla", "Jack", "James", "Jasmine", "Jo", "Kate", "Kwame", "Laura", "Leah", "Liam", "Lucy", "Maria", "Mark", "Maya", "Mohammed", "Nadia", "Naomi", "Oliver", "Olivia", "Omar", "Pat", "Paul", "Priya", "Rachel", "Rhys", "Ruth", "Sam", "Sarah", "Sean", "Sophie", "Tariq", "Tom", "Yusuf", "Zara"]
LAST_NAMES = ["Adams", "Ahmed", "Ali", "Allen", "Bailey", "Baker", "Begum", "Bennett", "Brown", "Campbell", "Carter", "Chen", "Clarke", "Cole", "Cooper", "Davies", "Edwards", "Evans", "Fisher", "Green", "Hall", "Harris", "Hughes", "Hussain", "Jackson", "James", "Johnson", "Jones", "Kaur", "Kelly", "Khan", "King", "Lee", "Lewis", "Martin", "Mensah", "Miller", "Mitchell", "Moore", "Morgan", "Murphy", "Nowak", "Okafor", "Owen", "Parker", "Patel", "Phillips", "Price", "Roberts", "Robinson", "Shah", "Singh", "Smith", "Taylor", "Thomas", "Turner", "Walker", "Ward", "Watson", "White", "Williams", "Wilson", "Wood", "Wright", "Young"]
ORGANISATIONS = [
    "Kent Community Health NHS Foundation Trust", "Sussex Partnership NHS Foundation Trust", "University of Kent",
    "University of Surrey", "University of Sussex", "University of Brighton", "Canterbury Christ Church University",
    "Surrey and Borders Partnership NHS Foundation Trust", "Medway Council", "Kent County Council",
    "Surrey County Council", "East Sussex County Council", "West Sussex County Council",
    "Brighton and Hove City Council", "NHS Kent and Medway ICB", "NHS Sussex ICB", "Surrey Heartlands ICB",
    "Kent and Medway Care Alliance", "Healthwatch Kent", "Alzheimer's Society", "Young Minds Trust",
    "Carers First", "Age UK East Sussex", "Brighton and Sussex Medical School", "Royal Surrey NHS Foundation Trust"]

COURSE_TOPICS = {
    "cross-cutting": [
        "Introduction to co-production", "Co-producing research questions", "Recognising and paying public contributors",
        "Sharing power in research teams", "Co-analysis: making sense of data together",
        "Writing plain English summaries together", "Involving communities that are seldom heard",
        "Co-production in service evaluation", "Facilitating inclusive meetings", "Evaluating the impact of involvement",
        "Ethics and co-production", "Co-producing research online", "From involvement to co-production"],
    "dementia": [
        "Co-producing research with people living with dementia", "Dementia-friendly involvement",
        "Carers of people with dementia as research partners", "Memory services designed together",
        "Life story work in dementia research"],
    "childrens-mental-health": [
        "Involving children and young people in mental health research", "Co-producing with parents and carers",
        "Running a young people's advisory group", "Mental health research in schools, together",
        "Safeguarding in youth involvement"],
    "social-care": [
        "Co-production in adult social care", "Research with care homes", "Community health partnerships",
        "Co-producing with people who draw on care and support", "Integrated care and lived experience"],
}
SUMMARY_TEMPLATES = [
    "{topic}: practical ways to work as equal partners, with time to plan your own project.",
    "A course for researchers, practitioners, patients and carers on {topic_lower}.",
    "Learn together about {topic_lower}, from planning to sharing what you found.",
]
VENUES = {
    "kent": "Canterbury Innovation Centre, University Road, CT2 7FG", "medway": "Medway Park, Mill Road, ME7 1HF",
    "surrey": "Surrey Research Park, Guildford, GU2 7YG", "east_sussex": "The Keep, Woollards Way, Brighton, BN1 9BP",
    "west_sussex": "Chichester Festival Theatre, Oaklands Park, PO19 6AP",
    "brighton_and_hove": "Brighton Dome, Church Street, BN1 1UE", "outside_region": "Online",
}
SEASONS = [(1, "winter"), (4, "spring"), (7, "summer"), (10, "autumn")]

RESOURCE_TOPICS = {
    "cross-cutting": ["co-production principles", "paying public contributors", "plain English summaries",
                      "sharing power", "co-analysis of qualitative data", "remote and online involvement",
                      "involving seldom-heard communities", "evaluating involvement", "research ethics and involvement",
                      "co-designing research questions", "inclusive meetings", "recruiting public contributors"],
    "dementia": ["involving people living with dementia", "supporting carers in research", "dementia-friendly events",
                 "memory services", "consent and capacity in dementia research"],
    "childrens-mental-health": ["youth advisory groups", "involving parents and carers", "mental health in schools",
                                "safeguarding young people", "co-producing with young people"],
    "social-care": ["co-production in social care", "working with care homes", "community health partnerships",
                    "people who draw on care", "integrated care"],
}
RESOURCE_TYPES = {"guide": 0.25, "leaflet": 0.15, "case_study": 0.18, "review_summary": 0.10, "toolkit": 0.16,
                  "video": 0.16}
TITLE_TEMPLATES = {
    "guide": ["A guide to {t}", "{T}: a practical guide", "Getting started with {t}"],
    "leaflet": ["{T}: what you need to know", "{T} in brief"],
    "case_study": ["Case study: {t} in {place}", "What we learned about {t} in {place}"],
    "review_summary": ["What helps with {t}? A review summary", "{T}: what the research says"],
    "toolkit": ["{T} toolkit", "Template pack: {t}"],
    "video": ["Video: {t}", "{T}, in their own words (video)"],
}
FILE_FORMATS = {"pdf": 0.62, "word": 0.2, "powerpoint": 0.1, "opendocument": 0.03, "excel": 0.05}
EXTENSIONS = {"pdf": "pdf", "word": "docx", "powerpoint": "pptx", "opendocument": "odt", "excel": "xlsx"}
TAGS = ["planning", "payment", "expenses", "principles", "impact", "case studies", "getting involved", "easy read",
        "ethics", "evaluation", "recruitment", "diversity", "online", "accessibility", "young people", "carers",
        "dementia", "mental health", "social care", "primary care", "commissioning", "training", "reporting",
        "dissemination", "lived experience", "power", "language", "consent", "safeguarding", "wellbeing"]
AUTHORS = ["ARC Kent, Surrey and Sussex co-production team", "NIHR Applied Research Collaboration KSS",
           "Kent and Medway public involvement group", "Sussex young people's advisory group",
           "Surrey carers research network", "Living with Dementia theme team", "Starting Well theme team",
           "Social care research partnership"]
VARIANT_SUFFIX = {"easy_read": "Easy Read", "large_print": "Large print", "bsl": "BSL"}
LICENCES = ["CC BY 4.0", "CC BY-NC 4.0", "Open Government Licence v3.0", None]


def planned(factor=1.0):
    """{what: how many} of the main rows ``create_large(factor)`` aims for."""
    counts = {name: max(1, round(n * factor)) for name, n in FULL.items()}
    counts["courses"] = max(2, counts["courses"])
    counts["sessions"] = max(2 * counts["courses"], counts["sessions"])
    return counts


def large_present():
    """True when the large demo data is already in the database (its showcase course is there)."""
    return db.session.scalar(select(Course.id).where(Course.slug == SHOWCASE_SLUG)) is not None


def _slug(text_):
    from copractice.urls import slugify

    return slugify(text_, fallback="resource")


def _weighted(rng, weights, k=1):
    return rng.choices(list(weights), weights=list(weights.values()), k=k)


class _Writer:
    """Buffers rows per table and writes them in batches: COPY on PostgreSQL, executemany elsewhere."""

    def __init__(self, connection, progress):
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.progress = progress or (lambda n: None)
        self.buffers = {}
        self.columns = {}
        self.counts = {}
        self.counted = set()  # tables whose rows move the progress bar
        self.parents = {}

    def table(self, name, columns, counted=False, parents=()):
        """Declare a table's columns; rows of ``parents`` are written first (foreign keys are checked at once)."""
        self.columns[name] = columns
        self.buffers[name] = []
        self.parents[name] = parents
        self.counts.setdefault(name, 0)
        if counted:
            self.counted.add(name)

    def add(self, name, row):
        buffer = self.buffers[name]
        buffer.append(row)
        if len(buffer) >= BATCH:
            self.flush(name)

    def flush(self, name):
        for parent in self.parents[name]:
            self.flush(parent)
        rows = self.buffers[name]
        if not rows:
            return
        self.buffers[name] = []
        columns = self.columns[name]
        table = db.metadata.tables[name]
        if self.postgres:
            json_at = [i for i, c in enumerate(columns)
                       if isinstance(table.c[c].type.dialect_impl(self.connection.dialect), JSON)]
            cursor = self.connection.connection.driver_connection.cursor()
            with cursor.copy(f'COPY "{name}" ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
            cursor.close()
        else:
            self.connection.execute(table.insert(), [dict(zip(columns, row, strict=True)) for row in rows])
        self.counts[name] += len(rows)
        if name in self.counted:
            self.progress(len(rows))

    def finish(self):
        for name in list(self.buffers):
            self.flush(name)


def _next_id(connection, name):
    return (connection.scalar(text(f'SELECT max(id) FROM "{name}"')) or 0) + 1


def _allocate(total, weights, caps):
    """Split ``total`` over ``weights`` (largest remainder), never above ``caps``; returns the list."""
    out = [0] * len(weights)
    left = total
    open_ = [i for i, w in enumerate(weights) if w > 0 and caps[i] > 0]
    while left > 0 and open_:
        wsum = sum(weights[i] for i in open_)
        shares = {i: left * weights[i] / wsum for i in open_}
        given = 0
        for i in open_:
            add = min(int(shares[i]), caps[i] - out[i])
            out[i] += add
            given += add
        remainders = sorted(open_, key=lambda i: shares[i] - int(shares[i]), reverse=True)
        for i in remainders:
            if given >= left:
                break
            if out[i] < caps[i]:
                out[i] += 1
                given += 1
        left -= given
        open_ = [i for i in open_ if out[i] < caps[i]]
        if given == 0:
            break
    return out


def create_large(factor=1.0, seed=2026, progress=None, now=None):
    """Add the large demo data in bulk (the caller commits); returns {table: rows written}.

    ``factor`` scales every count (0.002 makes a tiny but complete site for tests); ``progress(n)``
    is called as main rows (members, courses, sessions, enrolments, marks, resources) are written.
    """
    rng = random.Random(seed)
    now = (now or utcnow()).replace(microsecond=0)
    plan = planned(factor)
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MB page cache while indexes grow
    writer = _Writer(connection, progress)
    demo = _demo_members(connection)
    members = _members(writer, connection, rng, plan["members"], now)
    courses = _courses(rng, plan, members, demo, now)
    _enrolments(rng, plan["enrolments"], courses, members, demo, now)
    _write_courses(writer, connection, rng, courses, now)
    _attendance(writer, connection, rng, plan["attendance marks"], courses, members, now)
    _resources(writer, connection, rng, plan["resources"], courses, members, now)
    writer.finish()
    if connection.dialect.name == "postgresql":
        for name, written in writer.counts.items():
            if written and "id" in db.metadata.tables[name].c:
                connection.execute(text(
                    f"SELECT setval(pg_get_serial_sequence('\"{name}\"', 'id'), (SELECT max(id) FROM \"{name}\"))"))
    return dict(writer.counts)


# -- members -----------------------------------------------------------------------------------------------------

def _demo_members(connection):
    from copractice.demo import DEMO_MEMBERS

    emails = [row[0] for row in DEMO_MEMBERS]
    rows = connection.execute(text("SELECT email, id FROM member WHERE email IN :emails").bindparams(
        bindparam("emails", expanding=True)), {"emails": emails}).all()
    return dict(rows)


class _People:
    """The members written, by role, with how keen each is (who enrols often, who turns up)."""

    def __init__(self):
        self.ids, self.cum_weights, self.reliability = [], [], {}
        self.facilitators, self.lived, self.curators = [], [], []


class _Handles:
    """@mention handles for the bulk-written members, as the ORM gives every other member (members.models
    ``free_handle``: "sam_patel", then "sam_patel2"...), unique among the handles already taken; each name's
    base made once and its next number remembered, so 100,000 members take well under a second."""

    def __init__(self, connection):
        self.taken = set(connection.scalars(select(Member.handle).where(Member.handle.is_not(None))))
        self.bases, self.next_number = {}, {}

    def __call__(self, name):
        base = self.bases.get(name) or self.bases.setdefault(name, handle_base(name))
        number = self.next_number.get(base, 1)
        candidate = base if number == 1 else f"{base}{number}"
        while candidate in self.taken:
            number += 1
            candidate = f"{base}{number}"
        self.next_number[base] = number + 1
        self.taken.add(candidate)
        return candidate


def _members(writer, connection, rng, count, now):
    columns = ["id", "email", "name", "password_hash", "stakeholder_type", "organisation", "area", "access_needs",
               "access_needs_note", "role", "active", "email_verified_at", "created_at", "session_token",
               "calendar_token", "handle"]
    writer.table("member", columns, counted=True)
    writer.table("theme_leadership", ["id", "member_id", "theme_slug", "appointed_at"], parents=("member",))
    password_hash = hash_password(DEMO_PASSWORD)  # one hash shared by every large-demo login
    people = _People()
    first_id = _next_id(connection, "member")
    lead_id = _next_id(connection, "theme_leadership")
    start = now - timedelta(days=5 * 365)
    kinds = _weighted(rng, STAKEHOLDERS, count)
    areas = _weighted(rng, AREA_WEIGHTS, count)
    needs = list(ACCESS_NEEDS)
    handle_for = _Handles(connection)
    total_weight = 0.0
    for n in range(count):
        member_id = first_id + n
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        kind = kinds[n]
        roll = rng.random()
        role = ("admin" if n < 5 else "theme_lead" if roll < 0.0006 else
                "facilitator" if roll < 0.012 or (kind in PROFESSIONAL and roll < 0.03) else "trainee")
        created = start + timedelta(seconds=rng.randrange(int((now - start).total_seconds())))
        access = rng.sample(needs, rng.choice((1, 1, 2))) if rng.random() < 0.14 else []
        verified = created + timedelta(minutes=rng.randrange(5, 600)) if rng.random() < 0.97 else None
        writer.add("member", (
            member_id, f"{first}.{last}.{member_id}@example.net".lower(), f"{first} {last}", password_hash, kind,
            rng.choice(ORGANISATIONS) if kind in PROFESSIONAL else None, areas[n], access,
            "I use a wheelchair; please send joining details a week ahead." if "step_free" in access else None,
            role, rng.random() > 0.01, verified, created, secrets.token_urlsafe(24),
            secrets.token_urlsafe(32) if rng.random() < 0.04 else None, handle_for(f"{first} {last}")))
        if role == "theme_lead":
            writer.add("theme_leadership", (lead_id, member_id, _weighted(rng, THEMES)[0], created))
            lead_id += 1
            people.curators.append(member_id)
        elif role == "admin":
            people.curators.append(member_id)
        if role in ("facilitator", "theme_lead"):
            people.facilitators.append(member_id)
        elif kind in LIVED_EXPERIENCE and rng.random() < 0.01:
            people.lived.append(member_id)
        # Who enrols a lot: a long tail (most take a course or two, a few take many).
        total_weight += rng.paretovariate(1.6)
        people.ids.append(member_id)
        people.cum_weights.append(total_weight)
        people.reliability[member_id] = min(0.99, max(0.35, rng.gauss(0.82, 0.13)))
    writer.flush("member")
    writer.flush("theme_leadership")
    if not people.facilitators:
        people.facilitators = people.ids[:1]
    if not people.lived:
        people.lived = people.ids[-1:]
    return people


# -- courses and sessions ----------------------------------------------------------------------------------------

class _Course:
    """What the later steps need to know about a course while its rows are being made."""

    __slots__ = ("id", "row", "slug", "theme", "format", "capacity", "status", "area", "starts", "session_count",
                 "weeks", "hour", "length", "sessions", "facilitators", "facilitator_rows", "audience", "picked",
                 "statuses", "enrolled", "places_taken", "showcase", "share")

    def __init__(self, **fields):
        for key in self.__slots__:
            setattr(self, key, fields.get(key))


def _capacity(rng, fmt):
    if fmt == "online":  # webinars and online courses can be large
        return int(min(800, max(60, rng.lognormvariate(math.log(270), 0.55))))
    if fmt == "blended":
        return rng.randrange(40, 151)
    return rng.randrange(12, 41)


def _courses(rng, plan, people, demo, now):
    """Plan the courses (the showcase first), their facilitators, audiences and session times; write nothing yet."""
    count = plan["courses"]
    showcase_sessions = min(SHOWCASE_SESSIONS, max(2, plan["sessions"] // 4))
    # Sessions per ordinary course: 4 to 16, scaled so that the total comes out exactly.
    wanted = [rng.randrange(4, 17) for _ in range(count - 1)]
    session_counts = _allocate(plan["sessions"] - showcase_sessions, wanted, [40] * len(wanted))
    span_start, span_end = now - timedelta(days=4 * 365), now + timedelta(days=240)
    span = (span_end - span_start).total_seconds()
    order = list(range(count - 1))
    rng.shuffle(order)  # start dates are stratified over the years, in random order
    courses = []
    for n in range(count):
        if n == 0:
            held_weeks = min(SHOWCASE_HELD, showcase_sessions - 1)
            starts = (now - timedelta(weeks=held_weeks) + timedelta(days=1)).date()
            course = _Course(slug=SHOWCASE_SLUG, theme="cross-cutting", format="blended", capacity=SHOWCASE_ENROLLED,
                             status="published", area="kent", starts=starts, session_count=showcase_sessions,
                             weeks=1, hour=10, length=2, showcase=True)
            title = "Co-production in practice: a year-long programme"
            summary = "A year of weekly workshops and practice groups for co-production champions across the region."
        else:
            position = (order[n - 1] + rng.random()) / (count - 1)
            starts = (span_start + timedelta(seconds=position * span)).date()
            fmt = rng.choices(["online", "blended", "in_person"], [0.45, 0.2, 0.35])[0]
            theme = _weighted(rng, THEMES)[0]
            area = _weighted(rng, AREA_WEIGHTS)[0]
            weeks = rng.choice((1, 1, 1, 2))
            last = starts + timedelta(weeks=weeks * (session_counts[n - 1] - 1))
            finished = datetime.combine(last, datetime.min.time()) < now
            status = (rng.choices(["published", "archived"], [0.7, 0.3])[0] if finished
                      else rng.choices(["published", "draft"], [0.93, 0.07])[0])
            course = _Course(theme=theme, format=fmt, capacity=_capacity(rng, fmt), status=status, area=area,
                             starts=starts, session_count=session_counts[n - 1], weeks=weeks,
                             hour=rng.choice((10, 10, 13, 14, 18)), length=rng.choice((1.5, 2, 2, 3)), showcase=False)
            topic = rng.choice(COURSE_TOPICS[theme])
            season = max(s for s in SEASONS if s[0] <= starts.month)[1]
            place = "online" if fmt == "online" else AREAS[area]
            title = f"{topic} ({place}, {season} {starts.year})"
            summary = rng.choice(SUMMARY_TEMPLATES).format(topic=topic, topic_lower=topic[0].lower() + topic[1:])
        course.share = rng.choice((0.75, 0.75, 0.75, 0.8, 0.6))
        created = datetime.combine(course.starts, datetime.min.time()) - timedelta(days=rng.randrange(20, 120))
        created = min(created, now - timedelta(days=1))
        course.row = [None, course.slug, title, summary, DESCRIPTION, course.theme,
                      rng.choices(["introductory", "intermediate", "advanced"], [0.55, 0.33, 0.12])[0],
                      course.format, course.capacity, 0, created if rng.random() < 0.3 else None, None,
                      course.status, course.share, True, created, created]
        course.facilitators, course.facilitator_rows, course.audience = [], [], []
        if course.showcase and "facilitator@example.org" in demo:
            chosen = [(demo["facilitator@example.org"], False)]
            if "patient@example.org" in demo:
                chosen.append((demo["patient@example.org"], True))
        else:
            chosen = [(m, False) for m in rng.sample(people.facilitators, min(len(people.facilitators),
                                                                             rng.choice((1, 1, 2))))]
            if rng.random() < 0.3:
                chosen.append((rng.choice(people.lived), True))
        for member_id, lived in chosen:
            if member_id not in course.facilitators:
                course.facilitators.append(member_id)
                course.facilitator_rows.append((member_id, lived))
        if not course.showcase and rng.random() < 0.55:
            course.audience = sorted(rng.sample(list(STAKEHOLDERS), rng.randrange(1, 5)))
        course.sessions = []
        for k in range(course.session_count):
            local = datetime.combine(course.starts + timedelta(weeks=course.weeks * k), datetime.min.time())
            local = local.replace(hour=course.hour)
            course.sessions.append([None, london_to_utc(local), london_to_utc(local + timedelta(hours=course.length))])
        courses.append(course)
    return courses


def _enrolments(rng, total, courses, people, demo, now):
    """Choose who is on each course and in what state; set capacity and places_taken to match."""
    limit = max(1, int(len(people.ids) * 0.8))
    showcase, ordinary = courses[0], courses[1:]
    showcase_extra = 0 if total < 400 else 21  # a waiting list and some cancellations on the showcase too
    showcase.capacity = min(SHOWCASE_ENROLLED, max(5, len(people.ids) // 4), total)
    # About a third of courses fill up and have a waiting list; the rest have places left.
    weights = [0 if c.status == "draft" else
               c.capacity * (rng.uniform(1.0, 1.5) if rng.random() < 0.33 else rng.uniform(0.45, 0.98))
               for c in ordinary]
    rows_per = [showcase.capacity + showcase_extra] + _allocate(
        max(0, total - showcase.capacity - showcase_extra), weights, [limit] * len(ordinary))
    # trainee@example.org: a place on the showcase and on a handful of other courses, one waiting list, one cancelled.
    trainee = demo.get("trainee@example.org")
    trainee_plan = {}
    if trainee:
        published = [c for c, rows in zip(ordinary, rows_per[1:], strict=True) if c.status == "published" and rows > 0]
        picks = rng.sample(published, min(len(published), 8))
        trainee_plan = {id(c): "enrolled" for c in picks[:6]}
        trainee_plan.update({id(c): "waiting" for c in picks[6:7]})
        trainee_plan.update({id(c): "cancelled" for c in picks[7:8]})
        trainee_plan[id(showcase)] = "enrolled"
    for course, rows in zip(courses, rows_per, strict=True):
        if course.showcase:
            enrolled_n, waiting_n = course.capacity, min(12, showcase_extra)
            gone_n = rows - enrolled_n - waiting_n
        else:
            gone_n = round(rows * rng.uniform(0.03, 0.15))
            active = rows - gone_n
            if active > course.capacity * 1.7:  # keep waiting lists believable: a bigger course instead
                course.capacity = math.ceil(active / rng.uniform(1.05, 1.7))
            enrolled_n = min(active, course.capacity)
            waiting_n = active - enrolled_n
        offered_n = 0
        if waiting_n and course.sessions[0][1] > now and enrolled_n > 2 and rng.random() < 0.5:
            offered_n, enrolled_n = 1, enrolled_n - 1  # a place freed up and went to the first in the queue
        course.picked = _pick_members(rng, people, rows, exclude={trainee} if trainee else set())
        course.statuses = (["enrolled"] * enrolled_n + ["offered"] * offered_n + ["waiting"] * waiting_n +
                           _gone_statuses(rng, gone_n, bool(waiting_n)))
        want = trainee_plan.get(id(course))
        if want and rows:
            course.picked[course.statuses.index(want) if want in course.statuses else 0] = trainee
        course.places_taken = enrolled_n + offered_n
        course.enrolled = [m for m, s in zip(course.picked, course.statuses, strict=True) if s == "enrolled"]


def _write_courses(writer, connection, rng, courses, now):
    """Write courses, their facilitators, audiences, sessions and enrolments, in that order."""
    writer.table("course", ["id", "slug", "title", "summary", "description", "theme_slug", "level", "format",
                            "capacity", "places_taken", "enrolment_opens_at", "enrolment_closes_at", "status",
                            "completion_share", "excused_neutral", "created_at", "updated_at", "next_session_at"],
                 counted=True)
    writer.table("course_audience", ["id", "course_id", "stakeholder_type"], parents=("course",))
    writer.table("course_facilitator", ["id", "course_id", "member_id", "lived_experience"], parents=("course",))
    writer.table("course_session", ["id", "course_id", "starts_at", "ends_at", "venue", "online_link", "note"],
                 counted=True, parents=("course",))
    writer.table("enrolment", ["id", "course_id", "member_id", "status", "queue_key", "offered_at",
                               "offer_expires_at", "enrolled_at", "created_at", "updated_at"],
                 counted=True, parents=("course",))
    course_id, session_id = _next_id(connection, "course"), _next_id(connection, "course_session")
    facilitator_id, audience_id = _next_id(connection, "course_facilitator"), _next_id(connection, "course_audience")
    enrolment_id = _next_id(connection, "enrolment")
    for course in courses:
        course.id = course_id
        course_id += 1
        if not course.showcase:
            course.slug = f"{_slug(course.row[2])[:100]}-{course.id}"
        row = course.row
        row[0], row[1], row[8], row[9] = course.id, course.slug, course.capacity, course.places_taken
        # The catalogue's kept order: the first session still to come (copractice/courses/next_session.py).
        upcoming = [session[1] for session in course.sessions if session[1] > now]
        writer.add("course", (*row, min(upcoming) if upcoming else None))
        for member_id, lived in course.facilitator_rows:
            writer.add("course_facilitator", (facilitator_id, course.id, member_id, lived))
            facilitator_id += 1
        for kind in course.audience:
            writer.add("course_audience", (audience_id, course.id, kind))
            audience_id += 1
        venue = None if course.format == "online" else VENUES[course.area]
        link = None if course.format == "in_person" else f"https://meet.example.org/{course.slug[:60]}"
        for session in course.sessions:
            session[0] = session_id
            note = "Bring an example from your own work." if rng.random() < 0.05 else None
            writer.add("course_session", (session_id, course.id, session[1], session[2], venue, link, note))
            session_id += 1
        first_start, last_end = course.sessions[0][1], course.sessions[-1][2]
        # People joined in the weeks before the first session (and never after now).
        end = min(first_start, now) - timedelta(hours=1)
        opened = end - timedelta(days=rng.randrange(30, 90))
        window = int((end - opened).total_seconds())
        joined = sorted(opened + timedelta(seconds=rng.randrange(window)) for _ in course.picked)
        for member_id, status, joined_at in zip(course.picked, course.statuses, joined, strict=True):
            queue_key = offered_at = expires = enrolled_at = None
            updated = joined_at
            if status == "enrolled":
                enrolled_at = joined_at
            elif status == "waiting":
                queue_key = joined_at.timestamp()
            elif status == "offered":
                offered_at = now - timedelta(hours=rng.randrange(1, 40))
                expires, updated = offered_at + timedelta(hours=48), offered_at
            else:
                updated = max(joined_at, min(now, last_end, joined_at + timedelta(days=rng.randrange(1, 40))))
                if status in ("cancelled", "removed"):
                    enrolled_at = joined_at
            writer.add("enrolment", (enrolment_id, course.id, member_id, status, queue_key, offered_at, expires,
                                     enrolled_at, joined_at, updated))
            enrolment_id += 1
    for name in ("course", "course_facilitator", "course_audience", "course_session", "enrolment"):
        writer.flush(name)


def _pick_members(rng, people, k, exclude):
    """``k`` different members, the keen ones more often."""
    chosen, seen = [], set(exclude)
    while len(chosen) < k:
        for member_id in rng.choices(people.ids, cum_weights=people.cum_weights, k=(k - len(chosen)) * 2 + 4):
            if member_id not in seen:
                seen.add(member_id)
                chosen.append(member_id)
                if len(chosen) == k:
                    break
    return chosen


def _gone_statuses(rng, n, had_waiting_list):
    if had_waiting_list:
        return rng.choices(["cancelled", "left_waitlist", "offer_expired", "offer_declined", "removed"],
                           [0.5, 0.2, 0.13, 0.1, 0.07], k=n)
    return rng.choices(["cancelled", "removed"], [0.9, 0.1], k=n)


# -- attendance, completions and certificates --------------------------------------------------------------------

def _attendance(writer, connection, rng, total, courses, people, now):
    writer.table("attendance", ["id", "session_id", "member_id", "status", "remark", "source", "minutes",
                                "marked_by_id", "marked_at"], counted=True)
    writer.table("completion", ["id", "course_id", "member_id", "completed_at", "attended", "counted"])
    writer.table("certificate", ["id", "code", "course_id", "member_id", "issued_at", "revoked_at",
                                 "revoked_reason"])
    mark_id = _next_id(connection, "attendance")
    completion_id = _next_id(connection, "completion")
    certificate_id = _next_id(connection, "certificate")
    held = {course.id: [s for s in course.sessions if s[1] <= now] for course in courses}
    # How many marks each held session gets: the showcase is fully marked; otherwise registers of
    # in-person courses are nearly always taken and those of big online courses less often.
    plan = []  # (course, session, how many)
    budget = total
    showcase = courses[0]
    for session in held[showcase.id]:
        n = min(len(showcase.enrolled), budget)
        plan.append([showcase, session, n, len(showcase.enrolled)])
        budget -= n
    keenness = {"in_person": 1.0, "blended": 0.8, "online": 0.45}
    others = [(c, s) for c in courses[1:] for s in held[c.id] if c.enrolled]
    possible = sum(keenness[c.format] * len(c.enrolled) for c, _ in others)
    scale = budget / possible if possible else 0
    for course, session in others:
        room = len(course.enrolled)
        wanted = min(room, keenness[course.format] * room * scale)
        n = int(wanted) + (1 if rng.random() < wanted - int(wanted) else 0)
        plan.append([course, session, min(n, room), room])
    # Make the total exact where there is room.
    short = total - sum(p[2] for p in plan)
    adjustable = [p for p in plan if not p[0].showcase]
    rng.shuffle(adjustable)
    while short and adjustable:
        moved = 0
        for p in adjustable:
            if short > 0 and p[2] < p[3]:
                p[2] += 1
                short -= 1
                moved += 1
            elif short < 0 and p[2] > 0:
                p[2] -= 1
                short += 1
                moved += 1
            if not short:
                break
        if not moved:
            break
    by_course = {}
    for course, session, n, _ in plan:
        by_course.setdefault(course.id, (course, []))[1].append((session, n))
    codes = set()
    for course, sessions in by_course.values():
        attended, excused, last_attended = {}, {}, {}
        marker = course.facilitators[0] if course.facilitators else None
        for (session_id, starts, ends), n in sessions:
            if not n:
                continue
            for member_id in rng.sample(course.enrolled, n):
                roll = rng.random()
                reliability = people.reliability.get(member_id, 0.9)
                source, minutes, remark, marked_at = "register", None, None, starts + timedelta(
                    minutes=rng.randrange(0, 30))
                if roll < reliability:
                    status = "late" if rng.random() < 0.07 else "present"
                elif rng.random() < 0.5:
                    status = "excused"
                else:
                    status = "absent"
                if status == "excused" and rng.random() < 0.6:
                    source, remark = "apology", rng.choice(("Unwell", "Caring duties", "Hospital appointment",
                                                            "Work commitment", None))
                    marked_at = starts - timedelta(hours=rng.randrange(2, 72))
                elif course.format == "online" and status != "excused" and rng.random() < 0.7:
                    source = "import"
                    minutes = rng.randrange(50, 121) if status != "absent" else rng.randrange(2, 30)
                    marked_at = ends + timedelta(minutes=rng.randrange(10, 600))
                elif course.format != "online" and status in ("present", "late") and rng.random() < 0.2:
                    source = "self_checkin"
                writer.add("attendance", (mark_id, session_id, member_id, status, remark, source, minutes,
                                          marker, marked_at))
                mark_id += 1
                if status in ("present", "late"):
                    attended[member_id] = attended.get(member_id, 0) + 1
                    last_attended[member_id] = ends
                elif status == "excused":
                    excused[member_id] = excused.get(member_id, 0) + 1
        # The completion rule, as evaluate_completion applies it.
        total_sessions = len(course.sessions)
        for member_id, count in attended.items():
            counted = total_sessions - excused.get(member_id, 0)
            if counted > 0 and count / counted >= course.share - 1e-9:
                done = last_attended[member_id]
                writer.add("completion", (completion_id, course.id, member_id, done, count, counted))
                completion_id += 1
                code = _certificate_code(rng, codes)
                writer.add("certificate", (certificate_id, code, course.id, member_id, done, None, None))
                certificate_id += 1
    writer.flush("attendance")
    writer.flush("completion")
    writer.flush("certificate")


def _certificate_code(rng, codes):
    from copractice.attendance.operations import CODE_ALPHABET

    while True:
        code = "".join(rng.choices(CODE_ALPHABET, k=10))
        if code not in codes:
            codes.add(code)
            return code


# -- the library -------------------------------------------------------------------------------------------------

def _resources(writer, connection, rng, count, courses, people, now):
    columns = ["id", "slug", "title", "summary", "type", "year", "authors", "licence", "review_due", "visibility",
               "status", "external_url", "format", "variant_of_id", "variant_kind", "language", "question",
               "population", "study_count", "key_findings", "plain_summary", "extra",
               "created_by_id", "created_at", "updated_at"]
    writer.table("resource", columns, counted=True)
    writer.table("resource_search", ["resource_id", "title", "body", "keys"], parents=("resource",))
    writer.table("resource_download", ["resource_id", "day", "count"], parents=("resource",))
    writer.table("resource_theme", ["id", "resource_id", "theme_slug"], parents=("resource",))
    writer.table("resource_audience", ["id", "resource_id", "stakeholder_type"], parents=("resource",))
    writer.table("resource_tag", ["id", "resource_id", "tag"], parents=("resource",))
    writer.table("course_resource", ["id", "course_id", "resource_id"], parents=("resource",))
    resource_id = _next_id(connection, "resource")
    theme_row = _next_id(connection, "resource_theme")
    audience_row = _next_id(connection, "resource_audience")
    tag_row = _next_id(connection, "resource_tag")
    places = list(AREAS.values())[:-1]
    kinds = list(STAKEHOLDERS)
    curators = people.curators or people.ids[:1]
    by_theme = {slug: [] for slug in THEMES}  # published public resources, for course pages
    written = []
    for n in range(count):
        rid = resource_id + n
        kind = _weighted(rng, RESOURCE_TYPES)[0]
        themes = sorted(set(_weighted(rng, THEMES, rng.choice((1, 1, 1, 1, 2))))) if n else ["cross-cutting"]
        topic = rng.choice(RESOURCE_TOPICS[themes[0]])
        title = rng.choice(TITLE_TEMPLATES[kind]).format(t=topic, T=topic[0].upper() + topic[1:],
                                                         place=rng.choice(places))
        variant_of = variant_kind = language = None
        if written and rng.random() < 0.04:
            variant_of = rng.choice(written)
            variant_kind = rng.choice(["easy_read", "easy_read", "large_print", "bsl", "translation"])
            language = rng.choice(["Polish", "Urdu", "Romanian", "Arabic"]) if variant_kind == "translation" else None
            title = f"{title} ({language or VARIANT_SUFFIX[variant_kind]})"
        year = now.year - int(abs(rng.gauss(0, 4)))
        fmt = "link" if kind == "video" else rng.choices(list(FILE_FORMATS), list(FILE_FORMATS.values()))[0]
        slug = f"{_slug(title)[:100]}-{rid}"
        url = (f"https://video.example.org/watch/{rid}" if fmt == "link"
               else f"https://files.example.org/library/{slug}.{EXTENSIONS[fmt]}")
        summary = (f"{title}. Written with public contributors, practitioners and researchers, it covers "
                   f"{topic} with examples from Kent, Surrey and Sussex and points to further help.")
        audience = sorted(rng.sample(kinds, rng.randrange(1, 4))) if rng.random() < 0.7 else []
        tags = sorted(rng.sample(TAGS, rng.randrange(1, 5)))
        authors = rng.choice(AUTHORS)
        status = rng.choices(["published", "draft", "retired"], [0.92, 0.05, 0.03])[0]
        visibility = rng.choices(["public", "members", "theme"], [0.75, 0.18, 0.07])[0]
        question = population = study_count = key_findings = plain = None
        if kind == "review_summary":
            question = f"What helps with {topic}?"
            population = "People taking part in health and care research in the UK"
            study_count = rng.randrange(4, 60)
            key_findings = (f"Studies agree that planning {topic} early, paying people fairly and giving feedback "
                            "make involvement work better.")
            plain = f"Plan {topic} early, pay people for their time and tell them what changed."
        created = datetime.combine(date(year, 1, 1), datetime.min.time()) + timedelta(days=rng.randrange(0, 330))
        created = min(created, now - timedelta(days=1))
        row = (
            rid, slug, title, summary, kind, year, authors, rng.choice(LICENCES),
            date(year + 3, rng.randrange(1, 13), 1), visibility, status, url, fmt, variant_of, variant_kind,
            language, question, population, study_count, key_findings, plain, {},
            int(rng.paretovariate(1.2) * 3) - 3, rng.choice(curators), created, created)
        downloads = row[22]  # drawn in its old place, so the rest of the data stays as it was
        writer.add("resource", row[:22] + row[23:])
        if downloads > 0:
            writer.add("resource_download", (rid, created.date(), downloads))
        # The same text index_resource writes: title; summary, tags, authors, plain summary, key findings.
        body = " ".join(filter(None, [summary, " ".join(tags), authors, plain or "", key_findings or ""]))
        keys = [f"type:{kind}", f"format:{fmt}", f"year:{year}", *(f"theme:{t}" for t in themes),
                *(f"audience:{a}" for a in audience)]  # the keys index_resource writes (search.keys_for)
        if status == "published":
            keys += ["published", *((f"shown:theme:{t}" for t in themes) if visibility == "theme" else [f"shown:{visibility}"])]
        writer.add("resource_search", (rid, title, body, keys))
        for slug_ in themes:
            writer.add("resource_theme", (theme_row, rid, slug_))
            theme_row += 1
        for who in audience:
            writer.add("resource_audience", (audience_row, rid, who))
            audience_row += 1
        for tag in tags:
            writer.add("resource_tag", (tag_row, rid, tag))
            tag_row += 1
        if variant_of is None:
            written.append(rid)
        if status == "published" and visibility == "public":
            for slug_ in themes:
                by_theme[slug_].append(rid)
    for name in ("resource", "resource_search", "resource_theme", "resource_audience", "resource_tag"):
        writer.flush(name)
    link_id = _next_id(connection, "course_resource")
    for course in courses:
        pool = by_theme[course.theme] or by_theme["cross-cutting"]
        if pool and course.status != "draft":
            for rid in sorted(set(rng.sample(pool, min(len(pool), rng.randrange(0, 5) if not course.showcase else 4)))):
                writer.add("course_resource", (link_id, course.id, rid))
                link_id += 1
    writer.flush("course_resource")
