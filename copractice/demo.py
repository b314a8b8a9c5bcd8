"""A small believable demo site: one member of each role and stakeholder type."""
from copractice.extensions import db
from copractice.members import operations
from copractice.members.models import Member, ThemeLeadership, utcnow
from copractice.security import hash_password

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
