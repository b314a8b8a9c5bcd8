"""Issue 13 point 7, item 1: questions a plugin adds to the course form (``copractice_course_fields``).

They are asked in a fieldset per plugin and judged like settings (errors beside the field and in the summary),
stored per course and plugin (``course_extra``: unique per course, plugin and name, deleted with the course),
shown on the course page under the plugin's heading, and a filterable choice filters the catalogue inside its
one statement. A disabled plugin's answers are kept but not shown. The dementia plugin's questions are the
bundled example: "Dementia-friendly venue" (yes/no, a catalogue filter) and "Minutes between breaks".
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from copractice.audit import AuditEntry
from copractice.courses import catalogue as finder
from copractice.courses import extras
from copractice.courses import operations as course_ops
from copractice.courses.models import Course, CourseExtra
from copractice.extensions import db
from copractice.plugin_models import PluginState
from copractice.plugin_settings import SettingsInvalid
from tests.conftest import AuthActions, create_member, empty_all_tables, post_form
from tests.factories_courses import create_course
from tests.query_budget import counted_queries

pytest.importorskip("copractice_dementia")


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["venues=tests.plugins.course_fields_plugin"],
            "CACHE_TYPE": "SimpleCache", "PIECES_IN_PROCESS": True}  # the catalogue's order is kept: it must be forgotten


def switch(app, name, on):
    with app.app_context():
        db.session.merge(PluginState(name=name, enabled=on))
        db.session.commit()


@pytest.fixture
def lead(app):
    """A theme lead of Living with Dementia, logged in, with dementia and the test plugin enabled."""
    switch(app, "dementia", True)
    switch(app, "venues", True)
    with app.app_context():
        create_member(email="lead@example.org", role="theme_lead", themes=("dementia",))
    client = app.test_client()
    AuthActions(client).login("lead@example.org")
    return client


COURSE = {"title": "Memory cafe skills", "summary": "Running a memory cafe together.", "description": "",
          "theme_slug": "dementia", "level": "introductory", "format": "in_person", "capacity": "12",
          "status": "published", "facilitators": "", "lived_experience": ""}


def course_row(app, title="Memory cafe skills"):
    with app.app_context():
        return db.session.scalar(select(Course).where(Course.title == title))


def stored(app, course_id):
    with app.app_context():
        return {(r.plugin, r.name): r.value for r in db.session.scalars(
            select(CourseExtra).where(CourseExtra.course_id == course_id))}


def titles(html):
    return re.findall(r'<h2 class="card__title"><a href="/courses/[^"]+">([^<]+)</a>', html)


def test_the_form_asks_each_plugins_questions_in_a_fieldset_of_its_own(app, lead):
    html = lead.get("/manage/courses/new").get_data(as_text=True)
    dementia = html[html.index("<legend class=\"fieldset__legend fieldset__legend--section\">Living with Dementia"):]
    assert "Dementia-friendly venue (optional)" in dementia and 'name="dementia__friendly_venue"' in dementia
    assert 'name="dementia__break_minutes"' in dementia and 'type="number"' in dementia
    assert '<legend class="fieldset__legend fieldset__legend--section">Venues</legend>' in html
    assert 'name="venues__room"' in html and 'name="venues__languages"' in html
    assert "venues__colour" not in html  # a filterable text question is the plugin's mistake: left out


def test_wrong_answers_are_shown_beside_their_fields_and_nothing_is_saved(app, lead):
    response = post_form(lead, "/manage/courses/new", {
        **COURSE, "dementia__friendly_venue": "maybe", "dementia__break_minutes": "200",
        "venues__room": "x" * 41, "venues__languages": "Welsh\nwelsh"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    start = html.index('class="error-summary"')
    summary = html[start:html.index("</ul>", start)]
    for anchor, message in (("dementia__friendly_venue-0", "Choose one of the options."),
                            ("dementia__break_minutes", "Enter a number from 15 to 120."),
                            ("venues__room", "Use 40 characters or fewer."),
                            ("venues__languages", "“welsh” is listed twice. List each one once.")):
        assert f'<a href="#{anchor}">{message}</a>' in summary
        field_id = anchor.removesuffix("-0")
        assert re.search(rf'<span class="error-message" id="{field_id}-error">.*{re.escape(message)}', html)
    assert course_row(app) is None
    words = post_form(lead, "/manage/courses/new", {**COURSE, "dementia__break_minutes": "forty"}).get_data(as_text=True)
    assert "Enter a whole number, like 15." in words


def test_answers_are_stored_per_plugin_shown_on_the_page_and_audited(app, lead):
    response = post_form(lead, "/manage/courses/new", {
        **COURSE, "dementia__friendly_venue": "yes", "dementia__break_minutes": " 45 ",
        "venues__room": "Oak Room", "venues__languages": "English\nWelsh"})
    assert response.status_code == 302
    course = course_row(app)
    assert stored(app, course.id) == {("dementia", "friendly_venue"): "yes", ("dementia", "break_minutes"): "45",
                                      ("venues", "room"): "Oak Room", ("venues", "languages"): "English\nWelsh"}
    page = app.test_client().get(f"/courses/{course.slug}").get_data(as_text=True)
    dementia = page[page.index("<h3>Living with Dementia</h3>"):]
    dementia = dementia[:dementia.index("</dl>")]
    assert "<dt>Dementia-friendly venue</dt><dd>Yes</dd>" in dementia
    assert "<dt>Minutes between breaks</dt><dd>45</dd>" in dementia
    assert "<h3>Venues</h3>" in page and "<dd>English, Welsh</dd>" in page and "<dd>Oak Room</dd>" in page

    # The form shows what was saved; clearing an answer removes it; the change is in the audit log.
    edit = lead.get(f"/manage/courses/{course.id}/edit").get_data(as_text=True)
    assert re.search(r'id="dementia__friendly_venue-0"[^>]*checked|checked[^>]*id="dementia__friendly_venue-0"', edit)
    assert 'value="45"' in edit
    response = post_form(lead, f"/manage/courses/{course.id}/edit", {
        **COURSE, "dementia__friendly_venue": "no", "dementia__break_minutes": "", "venues__room": "Oak Room",
        "venues__languages": "English\nWelsh"})
    assert response.status_code == 302
    assert stored(app, course.id) == {("dementia", "friendly_venue"): "no", ("venues", "room"): "Oak Room",
                                      ("venues", "languages"): "English\nWelsh"}
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "course.answers_changed")
                                   .order_by(AuditEntry.id.desc())).first()
        assert entry.target_id == str(course.id)
        assert entry.before == {"dementia__friendly_venue": "yes", "dementia__break_minutes": "45"}
        assert entry.after == {"dementia__friendly_venue": "no", "dementia__break_minutes": None}


def test_the_operation_refuses_a_wrong_answer_before_writing_anything(app):
    switch(app, "dementia", True)
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("dementia",))
        course = create_course(title="Before", theme_slug="dementia")
        with pytest.raises(SettingsInvalid) as refused:
            course_ops.save_course(lead, course, title="After", extras={("dementia", "break_minutes"): "5"})
        assert refused.value.errors == {"dementia__break_minutes": "Enter a number from 15 to 120."}
        assert course.title == "Before" and not db.session.dirty  # refused before the first write
        db.session.rollback()
        course_ops.save_course(lead, course, extras={("dementia", "break_minutes"): "30",
                                                     ("dementia", "not_a_question"): "x"})
        db.session.commit()
        assert extras.answers_of(course.id) == {("dementia", "break_minutes"): "30"}


def test_a_disabled_plugins_answers_are_kept_but_not_shown(app, lead):
    post_form(lead, "/manage/courses/new", {**COURSE, "dementia__friendly_venue": "yes", "venues__room": "Oak Room"})
    course = course_row(app)
    switch(app, "venues", False)
    page = app.test_client().get(f"/courses/{course.slug}").get_data(as_text=True)
    assert "Oak Room" not in page and "<h3>Venues</h3>" not in page and "<dd>Yes</dd>" in page
    edit = lead.get(f"/manage/courses/{course.id}/edit").get_data(as_text=True)
    assert "venues__room" not in edit
    # Saving the form (the disabled plugin's questions not on it) leaves its answers as they were.
    assert post_form(lead, f"/manage/courses/{course.id}/edit",
                     {**COURSE, "title": "Memory cafe skills", "dementia__friendly_venue": "yes"}).status_code == 302
    assert stored(app, course.id)[("venues", "room")] == "Oak Room"
    switch(app, "venues", True)
    assert "<dd>Oak Room</dd>" in app.test_client().get(f"/courses/{course.slug}").get_data(as_text=True)
    # A disabled plugin's filter is not offered, and its answer in an address filters nothing.
    switch(app, "dementia", False)
    catalogue = app.test_client().get("/courses?dementia__friendly_venue=no").get_data(as_text=True)
    assert "dementia__friendly_venue" not in catalogue.split("</form>")[0]
    assert "1 course found" in catalogue


def test_answers_are_unique_per_course_plugin_and_name_and_deleted_with_the_course(app):
    with app.app_context():
        course = create_course()
        db.session.add_all([CourseExtra(course_id=course.id, plugin="dementia", name="friendly_venue", value="yes"),
                            CourseExtra(course_id=course.id, plugin="venues", name="friendly_venue", value="no")])
        db.session.commit()
        db.session.add(CourseExtra(course_id=course.id, plugin="dementia", name="friendly_venue", value="no"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
        db.session.delete(db.session.get(Course, course.id))
        db.session.commit()
        assert db.session.scalars(select(CourseExtra)).all() == []


def seed_catalogue(app, size):
    with app.test_request_context():
        empty_all_tables()
        for name in ("dementia", "venues"):
            db.session.merge(PluginState(name=name, enabled=True))
        for i in range(size):
            for answer in ("yes", "no", None):
                course = create_course(title=f"{answer or 'unsaid'} {i}", theme_slug="dementia",
                                       starts_in=timedelta(days=2 + i))
                if answer:
                    db.session.add(CourseExtra(course_id=course.id, plugin="dementia", name="friendly_venue",
                                               value=answer))
                    db.session.add(CourseExtra(course_id=course.id, plugin="venues", name="hearing_loop", value=answer))
        db.session.commit()


def test_the_catalogue_filters_by_a_filterable_answer_in_its_one_statement(app):
    seed_catalogue(app, 1)
    client = app.test_client()
    html = client.get("/courses").get_data(as_text=True)
    form = html[:html.index("</form>")]
    assert '<label class="label" for="dementia__friendly_venue">Dementia-friendly venue</label>' in form
    assert '<option value="">Any</option><option value="yes">Yes</option><option value="no">No</option>' in form
    assert '<label class="label" for="venues__hearing_loop">Hearing loop</label>' in form
    assert "dementia__break_minutes" not in form  # not filterable
    assert sorted(titles(html)) == ["no 0", "unsaid 0", "yes 0"]
    assert titles(client.get("/courses?dementia__friendly_venue=yes").get_data(as_text=True)) == ["yes 0"]
    assert titles(client.get("/courses?dementia__friendly_venue=no").get_data(as_text=True)) == ["no 0"]
    both = client.get("/courses?dementia__friendly_venue=yes&venues__hearing_loop=no").get_data(as_text=True)
    assert titles(both) == [] and "No courses match" in both
    chosen = client.get("/courses?dementia__friendly_venue=yes").get_data(as_text=True)
    assert '<option selected value="yes">Yes</option>' in chosen
    odd = client.get("/courses?dementia__friendly_venue=%27%3B--&venues__hearing_loop=")  # not an option: ignored
    assert odd.status_code == 200 and sorted(titles(odd.get_data(as_text=True))) == ["no 0", "unsaid 0", "yes 0"]


def test_a_changed_answer_reaches_the_kept_catalogue_at_once(app, lead):
    post_form(lead, "/manage/courses/new", {**COURSE, "dementia__friendly_venue": "no"})
    course = course_row(app)
    anonymous = app.test_client()
    assert titles(anonymous.get("/courses?dementia__friendly_venue=yes").get_data(as_text=True)) == []
    post_form(lead, f"/manage/courses/{course.id}/edit", {**COURSE, "dementia__friendly_venue": "yes"})
    assert titles(anonymous.get("/courses?dementia__friendly_venue=yes").get_data(as_text=True)) == ["Memory cafe skills"]


def statements(app, url):
    client = app.test_client()
    with counted_queries(app) as run:
        assert client.get(url).status_code == 200
    return len(run)


@pytest.mark.parametrize("url", ["/courses", "/courses?dementia__friendly_venue=yes",
                                 "/courses?dementia__friendly_venue=no&venues__hearing_loop=no&q=0",
                                 "course page"])
def test_statements_do_not_grow_with_the_data_or_the_filters(app, url):
    counts = []
    for size in (1, 4):
        seed_catalogue(app, size)
        with app.app_context():
            slug = db.session.scalar(select(Course.slug).where(Course.title == "yes 0"))
        counts.append(statements(app, f"/courses/{slug}" if url == "course page" else url))
    assert counts[0] == counts[1], counts
    # the filters ride in the catalogue's one statement; answers ride in the course page's
    assert counts[1] == (statements(app, "/courses") if url.startswith("/courses") else counts[1])
    if url == "course page":
        with app.app_context():
            bare = db.session.scalar(select(Course.slug).where(Course.title == "unsaid 0"))
        assert statements(app, f"/courses/{bare}") == counts[1]


def test_catalogue_filters_are_kept_apart_in_the_order_kept(app):
    seed_catalogue(app, 1)
    with app.test_request_context():
        yes = finder.catalogue(finder.CatalogueFilters(extras=(("dementia", "friendly_venue", "yes"),)))
        no = finder.catalogue(finder.CatalogueFilters(extras=(("dementia", "friendly_venue", "no"),)))
        assert [c.title for c in yes.items] == ["yes 0"] and [c.title for c in no.items] == ["no 0"]


def test_the_filtered_catalogue_and_the_course_page_read_answers_through_an_index(app):
    from tests.test_query_budgets import full_scans, plans

    seed_catalogue(app, 2)
    with app.app_context():
        engine = db.engine
        slug = db.session.scalar(select(Course.slug).where(Course.title == "yes 0"))
    captured = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "course_extra" in statement:
            captured.append((statement, parameters))

    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute", record)
    try:
        client = app.test_client()
        for url in ("/courses?dementia__friendly_venue=yes&venues__hearing_loop=yes", f"/courses/{slug}"):
            assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(captured) == 2  # one statement each page, the answers inside it
    postgres = engine.dialect.name == "postgresql"
    problems = [(statement[:200], plan) for statement, plan in plans(app, captured) if full_scans(plan, postgres)]
    assert problems == []
