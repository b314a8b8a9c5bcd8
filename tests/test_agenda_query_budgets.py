"""The agenda, actions and "you said, we did" pages run a fixed number of SQL statements, whatever the number of
items, papers, decisions, actions and log lines (issue 15 point 8)."""
from datetime import timedelta

from copractice.extensions import db
from copractice.library.uploads import check_upload
from copractice.meetings import agenda as ops
from copractice.meetings import log as said
from copractice.meetings import minutes as mins
from copractice.meetings.models import Group, Meeting
from copractice.members.models import Member
from tests import library_files as files
from tests.conftest import AuthActions, empty_all_tables
from tests.query_budget import counted_queries
from tests.test_agenda_services import make_forum
from tests.test_library import Upload, add

# The most statements each page may run (measured; raising one should be a decision, not an accident).
BUDGETS = {"agenda_member": 19, "agenda_next": 16, "actions": 8, "log": 4, "log_member": 5}
# Measured: the member and their leaderships, the group with its memberships (every permission check reads them),
# the meeting, then one statement per kind of thing shown (items, leads, papers, resources, variants, decisions,
# minutes, the meeting before, actions and owners) and one for which resources the member may see.


def seed(app, size):
    """A forum with ``3 * size`` agenda items (each with a library paper that has an Easy Read version, an
    uploaded paper, minutes and a decision), ``3 * size`` actions still open and ``5 * size`` log lines."""
    with app.test_request_context():
        empty_all_tables()
        forum = make_forum(members=2 * size, meetings=2)
        secretary = db.session.get(Member, forum.secretary)
        first, second = (db.session.get(Meeting, i) for i in forum.meetings)
        group = db.session.get(Group, forum.group_id)
        pdf = check_upload(Upload(files.pdf(), "paper.pdf"))
        for i in range(3 * size):
            item = ops.add_item(secretary, first, title=f"Item {i}", lead_id=forum.members[i % len(forum.members)],
                                minutes_allotted=10)
            original = add(title=f"Report {i}", upload=None, external_url="https://example.org/r")
            add(title=f"Report {i}, Easy Read", upload=None, external_url="https://example.org/e",
                variant_of_id=original.id, variant_kind="easy_read")
            ops.attach_library_paper(secretary, item, original)
            ops.upload_paper(secretary, item, pdf, title=f"Paper {i}")
            mins.save_minutes(secretary, item, f"Minutes of item {i}.")
            mins.add_decision(secretary, item, f"Decision {i}")
            mins.add_action(secretary, item, description=f"Action {i}", owner_id=forum.members[i % len(forum.members)],
                            due_on=first.starts_at.date() + timedelta(days=10))
        ops.add_item(secretary, second, title="Welcome")
        for i in range(5 * size):
            said.add_entry(secretary, group, you_said=f"Said {i}", we_did=f"Did {i}", meeting_id=first.id)
        ops.publish_papers(first, actor=secretary)
        mins.approve_minutes(secretary, first, second)
        db.session.commit()
        member = db.session.get(Member, forum.members[0])
        return forum, secretary.email, member.email


def page_counts(app, size):
    forum, secretary, member = seed(app, size)
    made = {"anonymous": app.test_client(), "secretary": app.test_client(), "member": app.test_client()}
    AuthActions(made["secretary"]).login(secretary)
    AuthActions(made["member"]).login(member)
    base = f"/groups/{forum.slug}"
    pages = {
        "agenda_member": ("member", f"{base}/meetings/{forum.meetings[0]}/agenda", "Easy Read version"),
        "agenda_next": ("secretary", f"{base}/meetings/{forum.meetings[1]}/agenda", "Actions from last time"),
        "actions": ("secretary", f"{base}/actions", "Action 0"),
        "log": ("anonymous", f"{base}/you-said-we-did", "Said 0"),
        "log_member": ("member", f"{base}/you-said-we-did", "Said 0"),
    }
    counts = {}
    for page, (who, url, shows) in pages.items():
        with counted_queries(app) as statements:
            response = made[who].get(url)
        assert response.status_code == 200 and shows in response.get_data(as_text=True), page
        counts[page] = len(statements)
    return counts


def test_agenda_pages_run_the_same_statements_at_two_sizes_within_budget(app):
    small, large = page_counts(app, 1), page_counts(app, 4)
    grew = {page: (small[page], large[page]) for page in small if small[page] != large[page]}
    assert grew == {}, f"statements grew with the data (an N+1?): {grew}"
    over = {page: n for page, n in large.items() if n > BUDGETS[page]}
    assert over == {}, f"over budget: {over}; budgets {BUDGETS}"
