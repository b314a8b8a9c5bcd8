"""Resource search with facets matches once and reads one table (issue 12, point 4), and still finds and
counts exactly what the visibility rules and the filters allow."""
import json
import random

import pytest
from sqlalchemy import event, exists, select, text

from copractice.courses.models import Enrolment
from copractice.extensions import db
from copractice.library import operations as ops
from copractice.library import search
from copractice.library.models import Resource, ResourceAudience, ResourceSearch, ResourceTheme
from copractice.permissions import visible_resources
from tests.conftest import create_member
from tests.factories_courses import create_course
from tests.test_library import add

THEMES = ("cross-cutting", "dementia", "childrens-mental-health")
AUDIENCES = ("carer", "researcher", "patient", "young_person")
TYPES = ("guide", "leaflet", "case_study")


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


def varied_library(n=48, seed=12):
    """Resources of every status, visibility, type, year, format, theme and audience; some about carers."""
    rng = random.Random(seed)
    for i in range(n):
        fields = {"external_url": "https://example.org/r"} if i % 3 else {}  # the others get a PDF (format pdf)
        add(title=f"Resource {i} " + rng.choice(["about carers", "for researchers", "on co-production"]),
            summary=rng.choice(["Carers and families take part.", "Research with patients.", "Working together."]),
            type=rng.choice(TYPES), year=rng.choice([2022, 2023, 2024, None]),
            status=rng.choice(["published", "published", "published", "draft", "retired"]),
            visibility=rng.choice(["public", "public", "members", "theme"]),
            themes=rng.sample(THEMES, rng.choice([1, 1, 2])), audience=rng.sample(AUDIENCES, rng.randrange(0, 3)),
            **fields)


def people():
    """Who looks: a visitor, a member with no courses, a member on a dementia course, a theme lead, an admin."""
    on_course = create_member()
    course = create_course(theme_slug="dementia")
    db.session.add(Enrolment(course_id=course.id, member_id=on_course.id, status="enrolled"))
    db.session.commit()
    return {"visitor": None, "member": create_member(), "on a dementia course": on_course,
            "lead of children's mental health": create_member(role="theme_lead", themes=("childrens-mental-health",)),
            "admin": create_member(role="admin")}


def text_matches(query):
    """Ids of resources whose text matches every word: the plain text match, nothing else."""
    terms = search.words(query)
    if db.engine.dialect.name == "postgresql":
        sql = "SELECT resource_id FROM resource_search WHERE document @@ to_tsquery('english', :q)"
        return set(db.session.scalars(text(sql), {"q": " & ".join(terms)}))
    sql = "SELECT rowid FROM resource_fts WHERE resource_fts MATCH :q"
    return set(db.session.scalars(text(sql), {"q": " AND ".join(f'"{t}"' for t in terms)}))


def expected(member, filters):
    """What find must show and count, worked out the plain way: visible_resources, the filters, the text match."""
    conditions = [visible_resources(member), Resource.status == "published"]
    for name in ("type", "format"):
        if getattr(filters, name):
            conditions.append(getattr(Resource, name) == getattr(filters, name))
    if filters.year:
        conditions.append(Resource.year == int(filters.year))
    if filters.theme:
        conditions.append(exists().where(ResourceTheme.resource_id == Resource.id,
                                         ResourceTheme.theme_slug == filters.theme))
    if filters.audience:
        conditions.append(exists().where(ResourceAudience.resource_id == Resource.id,
                                         ResourceAudience.stakeholder_type == filters.audience))
    items = db.session.scalars(select(Resource).where(*conditions)).all()
    if search.words(filters.q):
        matched = text_matches(filters.q)
        items = [item for item in items if item.id in matched]
    counts = {name: {} for name in ops.FACETS}
    for item in items:
        values = {"type": [item.type], "format": [item.format] if item.format else [],
                  "year": [item.year] if item.year is not None else [], "theme": item.themes, "audience": item.audience}
        for name, found in values.items():
            for value in found:
                counts[name][value] = counts[name].get(value, 0) + 1
    return {item.id for item in items}, counts


FILTERS = [{}, {"q": "carers"}, {"q": "carers", "type": "guide", "audience": "carer"}, {"type": "guide", "audience": "carer"},
           {"theme": "dementia"}, {"theme": "childrens-mental-health", "q": "research"}, {"year": "2023", "format": "pdf"},
           {"q": "carers families"}, {"audience": "young_person", "type": "leaflet"}]


def check_everyone(who):
    for label, member in who.items():
        for chosen in FILTERS:
            filters = ops.LibraryFilters(**chosen)
            ids, counts = expected(member, filters)
            found = ops.find(member, filters, per_page=100)
            assert {item.id for item in found.page.items} == ids, (label, chosen)
            assert found.page.total == len(ids), (label, chosen)
            assert {name: dict(rows) for name, rows in found.facets.items()} == counts, (label, chosen)


def test_results_and_facet_counts_equal_a_plain_count_for_everyone(ctx):
    varied_library()
    check_everyone(people())


def test_changes_to_a_resource_change_what_search_finds_and_counts(ctx):
    varied_library(n=24)
    who = people()
    admin = who["admin"]
    items = db.session.scalars(select(Resource).order_by(Resource.id)).all()
    ops.set_status(admin, items[0], "draft")
    ops.set_status(admin, items[1], "published")
    ops.save_resource(admin, items[2], visibility="theme", themes=["dementia"], audience=["carer"], type="guide",
                      summary="Now about carers.")
    ops.save_resource(admin, items[3], visibility="members", status="published", themes=["childrens-mental-health"])
    ops.save_resource(admin, items[4], year=2021, status="retired")
    db.session.commit()
    check_everyone(who)


def search_statements(member, filters):
    """The statements one search with facets runs, with their parameters."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = ops.find(member, filters)
        [item.title for item in found.page.items]  # anything the list shows is loaded by now
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return statements


TWO_FACETS = ops.LibraryFilters(q="carers", type="guide", audience="carer")


def test_the_text_match_runs_once_per_statement_and_facets_come_from_the_search_rows(ctx):
    varied_library(n=12)
    postgres = db.engine.dialect.name == "postgresql"
    for member in (None, create_member()):
        statements = search_statements(member, TWO_FACETS)
        texts = [statement for statement, _ in statements]
        for statement in texts:
            matches = statement.count("@@") if postgres else statement.upper().count(" MATCH ")
            assert matches <= 1, f"the text match runs {matches} times in one statement:\n{statement}"
        # Filters, visibility and facet counts read the keys kept on the search row: no joins to the theme,
        # audience or tag tables, and the page's rows are the listed columns only (no ORM objects with their
        # themes, audience and tags loaded).
        joined = [s for s in texts if any(table in s for table in ("resource_theme", "resource_audience", "resource_tag"))]
        assert joined == [], joined
        assert not any("resource.extra" in s or "r.extra" in s for s in texts)
        searching = [s for s in texts if "resource_search" in s]
        assert len(searching) == 1, searching  # the facet counts and the page, in one statement


def test_postgresql_finds_a_search_with_two_facets_in_one_index_scan_without_parallel_workers(ctx):
    """The plan on PostgreSQL: one bitmap scan of the GIN index over the words and the keys, no other table
    than the search rows (and resource by primary key for the page), no Gather. A plan check, not a timing."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL plans")
    varied_library(n=12)
    db.session.execute(text("ANALYZE resource_search"))
    for statement, parameters in search_statements(None, TWO_FACETS):
        if "resource_search" not in statement:
            continue
        cursor = db.session.connection().connection.driver_connection.cursor()
        cursor.execute("SET LOCAL enable_seqscan = off")  # plan as on the large data
        cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
        plan = cursor.fetchone()[0]
        nodes = list(walk(plan[0]["Plan"]))
        assert not [n for n in nodes if n["Node Type"].startswith("Gather")], statement
        relations = {n["Relation Name"] for n in nodes if "Relation Name" in n}
        assert relations <= {"resource_search", "resource"}, relations
        assert [n.get("Index Name") for n in nodes if n.get("Relation Name") == "resource_search"] == [None]
        assert [n["Index Name"] for n in nodes if n["Node Type"] == "Bitmap Index Scan"] == ["ix_resource_search_match"]
        for n in nodes:
            if n.get("Relation Name") == "resource":
                assert n.get("Index Name") == "pk_resource", statement


def walk(node):
    yield node
    for child in node.get("Plans", []):
        yield from walk(child)


def test_the_migration_backfills_the_keys_index_resource_writes(ctx):
    """Revision 0016 fills existing rows with SQL; it must say what search.keys_for says."""
    import importlib.util
    from pathlib import Path

    varied_library(n=24)
    path = next(Path(__file__).resolve().parent.parent.glob("migrations/versions/*_0016_search_keys.py"))
    spec = importlib.util.spec_from_file_location("search_keys_migration", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    if db.engine.dialect.name == "postgresql":
        rows = db.session.execute(text(f"SELECT r.id, ARRAY(SELECT k FROM ({migration.KEY_ROWS}) AS keys) FROM resource r"))
        backfilled = {rid: sorted(keys) for rid, keys in rows}
    else:
        rows = db.session.execute(text(f"SELECT r.id, (SELECT json_group_array(k) FROM ({migration.KEY_ROWS})) FROM resource r"))
        backfilled = {rid: sorted(json.loads(keys)) for rid, keys in rows}
    written = {row.resource_id: sorted(row.keys) for row in db.session.scalars(select(ResourceSearch))}
    kept = {item.id: sorted(search.keys_for(item)) for item in db.session.scalars(select(Resource))}
    assert backfilled == written == kept


def test_the_large_demo_data_writes_the_keys_index_resource_would(app):
    """demo-data --scale large writes search rows directly (COPY on PostgreSQL): their keys must be right."""
    from tests.test_demo_large import _build

    _build(app)
    with app.app_context():
        written = {row.resource_id: sorted(row.keys) for row in db.session.scalars(select(ResourceSearch))}
        kept = {item.id: sorted(search.keys_for(item)) for item in db.session.scalars(select(Resource))}
        assert written == kept and len(kept) > 50
