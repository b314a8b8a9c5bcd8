"""The resource library: curation, safe files and versions, visibility, search with facets, linking, hooks."""
import io
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from copractice.courses import operations as course_ops
from copractice.extensions import db
from copractice.library import operations as ops
from copractice.library.models import Resource, ResourceFile, ResourceSuggestion
from copractice.library.uploads import check_upload
from tests import library_files as files
from tests.conftest import AuthActions, create_member, csrf_from, post_form
from tests.factories_courses import create_course
from tests.query_budget import queries_for


class Upload:
    """Stands in for werkzeug's FileStorage in operation-level tests (real bytes, real checks)."""

    def __init__(self, data, filename):
        self.stream, self.filename = io.BytesIO(data), filename

    def read(self):
        return self.stream.read()


def add(actor=None, upload=None, themes=("cross-cutting",), audience=(), tags=(), **fields):
    fields.setdefault("title", "A guide to co-production")
    fields.setdefault("summary", "How researchers, services and commissioners can work together as equals.")
    fields.setdefault("type", "guide")
    fields.setdefault("status", "published")
    fields.setdefault("visibility", "public")
    if upload is None and "external_url" not in fields:
        upload = check_upload(Upload(files.pdf(), "guide.pdf"))
    item = ops.save_resource(actor, None, themes=list(themes), audience=list(audience), tags=list(tags),
                             upload=upload, **fields)
    db.session.commit()
    return item


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield app


@pytest.fixture
def curator(app):
    client = app.test_client()
    with app.app_context():
        create_member(email="lead@example.org", role="theme_lead", themes=("cross-cutting",))
    AuthActions(client).login("lead@example.org")
    return client


def stored_files(app):
    root = app.config["UPLOAD_FOLDER"]
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs) if os.path.exists(root) else []


def upload_form(client, data, filename, **fields):
    token = csrf_from(client.get("/manage/resources/new").get_data(as_text=True))
    form = {"csrf_token": token, "title": "Uploaded", "summary": "A summary.", "type": "guide",
            "themes": "cross-cutting", "visibility": "public", "status": "published",
            "file": (io.BytesIO(data), filename), **fields}
    return client.post("/manage/resources/new", data=form, content_type="multipart/form-data")


# -- files, safely ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("make, name, content_type", [
    (files.pdf, "guide.pdf", "application/pdf"),
    (files.docx, "notes.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (files.png, "photo.png", "image/png"),
])
def test_accepted_files_are_stored_by_content_hash_outside_the_web_root(app, curator, make, name, content_type):
    response = upload_form(curator, make(), name)
    assert response.status_code == 302, response.get_data(as_text=True)
    with app.app_context():
        version = db.session.scalar(select(ResourceFile))
        assert version.content_type == content_type and len(version.storage_key) == 64
    [path] = stored_files(app)
    assert os.path.basename(path) == version.storage_key
    assert not os.path.abspath(path).startswith(os.path.abspath(app.static_folder))


@pytest.mark.parametrize("data, name", [
    (files.EXE, "guide.pdf"),  # a program renamed
    (files.SVG, "picture.svg"),
    (files.HTML, "page.html"),
    (files.HTML, "leaflet.pdf"),
])
def test_dangerous_files_are_refused_and_nothing_is_stored(app, curator, data, name):
    response = upload_form(curator, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "This file is not a type we accept" in html and "There is a problem" in html
    assert stored_files(app) == []
    with app.app_context():
        assert db.session.query(Resource).count() == 0


def test_oversize_upload_gets_a_clear_413_page_and_nothing_is_stored(app, curator):
    app.config["MAX_CONTENT_LENGTH"] = 100_000
    response = upload_form(curator, files.pdf() + b"\0" * 200_000, "huge.pdf")
    assert response.status_code == 413 and "The file is too large" in response.get_data(as_text=True)
    assert stored_files(app) == []


def test_filenames_are_sanitised_and_given_the_right_extension(ctx):
    checked = check_upload(Upload(files.pdf(), "../../etc/passwd.exe"))
    assert checked.filename == "etc_passwd.pdf" and "/" not in checked.filename
    checked = check_upload(Upload(files.png(), "..\\..\\boot.ini"))
    assert checked.filename.endswith(".png") and "\\" not in checked.filename and ".." not in checked.filename


def test_downloads_have_type_disposition_nosniff_and_count(app, client):
    with app.test_request_context():
        slug = add().slug
    response = client.get(f"/resources/{slug}/download")
    assert response.status_code == 200 and response.data[:5] == b"%PDF-"
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;") and "guide.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    client.get(f"/resources/{slug}/download")
    with app.app_context():
        rid = db.session.scalar(select(Resource.id))
        assert ops.download_counts([rid]) == {rid: 2}


def test_members_only_file_is_refused_to_anonymous_visitors(app, client):
    with app.test_request_context():
        slug = add(visibility="members").slug
        create_member(email="member@example.org")
    assert client.get(f"/resources/{slug}/download").status_code == 404
    assert client.get(f"/resources/{slug}").status_code == 404
    AuthActions(client).login("member@example.org")
    assert client.get(f"/resources/{slug}/download").status_code == 200


def test_theme_visibility_needs_a_part_in_the_theme(app, client):
    with app.test_request_context():
        slug = add(visibility="theme", themes=("dementia",)).slug
        create_member(email="out@example.org")
        insider = create_member(email="in@example.org")
        course = create_course(theme_slug="dementia")
        course_ops.enrol(insider, course)
        db.session.commit()
    AuthActions(client).login("out@example.org")
    assert client.get(f"/resources/{slug}/download").status_code == 404
    other = client.application.test_client()
    AuthActions(other).login("in@example.org")
    assert other.get(f"/resources/{slug}/download").status_code == 200


def test_draft_and_retired_are_hidden_from_the_public(app, client):
    with app.test_request_context():
        draft = add(title="Draft", status="draft").slug
        retired = add(title="Retired")
        ops.set_status(None, retired, "retired")
        db.session.commit()
        retired = retired.slug
    assert client.get(f"/resources/{draft}").status_code == 404
    assert client.get(f"/resources/{retired}/download").status_code == 404


def test_a_new_version_keeps_the_earlier_ones_with_dates(app, curator):
    with app.test_request_context():
        item = add()
        item_id, slug = item.id, item.slug
    token = csrf_from(curator.get(f"/manage/resources/{item_id}/edit").get_data(as_text=True))
    response = curator.post(f"/manage/resources/{item_id}/edit", content_type="multipart/form-data", data={
        "csrf_token": token, "title": "A guide to co-production", "summary": "Updated.", "type": "guide",
        "themes": "cross-cutting", "visibility": "public", "status": "published",
        "file": (io.BytesIO(files.pdf("Second edition")), "guide-v2.pdf")})
    assert response.status_code == 302
    page = curator.get(f"/resources/{slug}").get_data(as_text=True)
    assert "Earlier versions" in page and "guide.pdf</a>, uploaded" in page
    with app.app_context():
        versions = db.session.scalars(select(ResourceFile).order_by(ResourceFile.id)).all()
        assert [v.original_name for v in versions] == ["guide.pdf", "guide-v2.pdf"]
        old_id = versions[0].id
    old = curator.get(f"/resources/{slug}/versions/{old_id}")
    assert old.status_code == 200 and old.data != curator.get(f"/resources/{slug}/download").data


# -- finding ------------------------------------------------------------------------------------------------------

def seed_library():
    add(title="A guide to co-production for researchers", summary="Working with the public as equal partners.",
        type="guide", year=2024, audience=["researcher"], tags=["principles"])
    add(title="Co-production: together we are better", summary="A public leaflet about sharing power.",
        type="leaflet", year=2025, audience=["public_contributor", "carer"], tags=["power"])
    add(title="Case studies of co-produced dementia research", summary="Stories from carers and researchers.",
        type="case_study", year=2025, themes=("dementia",), audience=["carer"], authors="Jo Bloggs")
    add(title="Paying public contributors", summary="A review summary about payment and carers' expenses.",
        type="review_summary", year=2023, external_url="https://example.org/review", tags=["payment"],
        question="What helps public contributors get paid on time?", study_count=14)


def titles(results):
    return [r.title for r in results.page.items]


def test_search_is_ranked_title_first_and_stems_words(ctx):
    seed_library()
    results = ops.find(None, ops.LibraryFilters(q="carers"))
    # "carers" in one summary and "carers'" in another both match (audience is a facet, not text).
    assert set(titles(results)) == {"Case studies of co-produced dementia research", "Paying public contributors"}
    ranked = titles(ops.find(None, ops.LibraryFilters(q="payment")))
    assert ranked == ["Paying public contributors"]
    both = titles(ops.find(None, ops.LibraryFilters(q="guide researchers")))
    assert both == ["A guide to co-production for researchers"]
    add(title="Memory cafés", summary="Meeting places for people living with dementia and their families.")
    title_first = titles(ops.find(None, ops.LibraryFilters(q="dementia")))
    assert title_first == ["Case studies of co-produced dementia research", "Memory cafés"]  # title match first
    assert titles(ops.find(None, ops.LibraryFilters(q="Bloggs"))) == ["Case studies of co-produced dementia research"]


def test_facets_count_what_the_filters_leave_and_combine(ctx):
    seed_library()
    everything = ops.find(None, ops.LibraryFilters())
    assert dict(everything.facets["type"]) == {"guide": 1, "leaflet": 1, "case_study": 1, "review_summary": 1}
    assert dict(everything.facets["year"]) == {2025: 2, 2024: 1, 2023: 1}
    assert dict(everything.facets["format"]) == {"pdf": 3, "link": 1}
    assert dict(everything.facets["theme"]) == {"cross-cutting": 3, "dementia": 1}
    narrowed = ops.find(None, ops.LibraryFilters(audience="carer", year="2025"))
    assert titles(narrowed) == ["Case studies of co-produced dementia research", "Co-production: together we are better"] \
        or set(titles(narrowed)) == {"Case studies of co-produced dementia research", "Co-production: together we are better"}
    assert dict(narrowed.facets["type"]) == {"case_study": 1, "leaflet": 1}
    assert titles(ops.find(None, ops.LibraryFilters(audience="carer", type="case_study", q="stories"))) == [
        "Case studies of co-produced dementia research"]


def test_search_page_is_shareable_and_helps_when_empty(app, client):
    with app.test_request_context():
        seed_library()
    page = client.get("/resources?audience=carer&year=2025").get_data(as_text=True)
    assert "2 resources" in page and "Remove filter: Carer" in page
    empty = client.get("/resources?q=zzzz&type=guide").get_data(as_text=True)
    assert "No resources found" in empty and "Try removing a filter" in empty


def test_review_summary_fields_variants_and_links(app, client):
    with app.test_request_context():
        seed_library()
        original = db.session.scalar(select(Resource).where(Resource.type == "leaflet"))
        add(title="Together we are better (Easy Read)", summary="The leaflet in Easy Read.", type="leaflet",
            variant_of_id=original.id, variant_kind="easy_read")
        review = db.session.scalar(select(Resource).where(Resource.type == "review_summary")).slug
        leaflet = original.slug
    page = client.get(f"/resources/{leaflet}").get_data(as_text=True)
    assert "Other versions" in page and "Easy Read" in page
    page = client.get(f"/resources/{review}").get_data(as_text=True)
    assert "What helps public contributors get paid on time?" in page and "Number of studies" in page
    link = client.get(f"/resources/{review}/download")
    assert link.status_code == 302 and link.headers["Location"] == "https://example.org/review"


# -- curation, suggestions, saving, courses ----------------------------------------------------------------------

def test_theme_lead_curates_only_their_themes(app, curator):
    with app.test_request_context():
        theirs = add(title="Cross-cutting guide").id
        other = add(title="Dementia guide", themes=("dementia",)).id
    assert curator.get(f"/manage/resources/{theirs}/edit").status_code == 200
    assert curator.get(f"/manage/resources/{other}/edit").status_code == 403


def test_suggestions_wait_for_moderation_and_become_drafts(app, client, curator):
    with app.app_context():
        create_member(email="m@example.org")
    AuthActions(client).login("m@example.org")
    post_form(client, "/resources/suggest", {"title": "NIHR payment guidance", "url": "https://example.org/pay",
                                             "summary": "Useful", "theme_slug": "cross-cutting"})
    queue = curator.get("/manage/resources").get_data(as_text=True)
    assert "NIHR payment guidance" in queue and "Suggestions waiting (1)" in queue
    with app.app_context():
        suggestion_id = db.session.scalar(select(ResourceSuggestion.id))
    response = post_form(curator, f"/manage/suggestions/{suggestion_id}", {"decision": "accept"}, page="/manage/resources")
    assert "/manage/resources/" in response.headers["Location"]
    with app.app_context():
        draft = db.session.scalar(select(Resource))
        assert (draft.title, draft.status, draft.external_url) == ("NIHR payment guidance", "draft", "https://example.org/pay")
    assert client.get(f"/resources/{draft.slug}").status_code == 404  # not public until published


def test_items_past_review_date_are_listed_for_their_theme_lead(app, curator):
    with app.test_request_context():
        add(title="Overdue guide", review_due=date.today() - timedelta(days=1))
        add(title="Fresh guide", review_due=date.today() + timedelta(days=30))
        add(title="Other theme overdue", themes=("dementia",), review_due=date.today() - timedelta(days=5))
    page = curator.get("/manage/resources").get_data(as_text=True)
    due = page.split("Past their review date")[1].split("Suggestions waiting")[0]
    assert "Overdue guide" in due and "Fresh guide" not in due and "Other theme overdue" not in due


def test_save_resources_and_course_recommendations(app, client):
    with app.test_request_context():
        slug = add().slug
        course = create_course()
        me = create_member(email="saver@example.org")
        ops.recommend(None, course, db.session.scalar(select(Resource)))
        db.session.commit()
        course_slug = course.slug
    AuthActions(client).login("saver@example.org")
    post_form(client, f"/resources/{slug}/save", {}, page=f"/resources/{slug}")
    assert "A guide to co-production" in client.get("/my/resources").get_data(as_text=True)
    assert "A guide to co-production" in client.get(f"/courses/{course_slug}").get_data(as_text=True)
    post_form(client, f"/resources/{slug}/save", {"action": "remove"}, page=f"/resources/{slug}")
    assert "You have not saved any resources yet" in client.get("/my/resources").get_data(as_text=True)
    assert me is not None


def test_most_used_in_a_theme(ctx):
    a, b = add(title="Popular"), add(title="Quiet")
    yesterday = date.today() - timedelta(days=1)
    for _ in range(3):
        ops.record_download(a, today=yesterday)
    ops.record_download(b, today=yesterday)
    for _ in range(5):  # today's downloads count from tomorrow, so the page changes once a day
        ops.record_download(b)
    db.session.commit()
    assert [r.title for r in ops.most_used(None, "cross-cutting")] == ["Popular", "Quiet"]


class TestResourceTypesHook:
    @pytest.fixture
    def app_settings(self):
        return {"EXTRA_PLUGINS": ["toolkit=tests.plugins.library_plugin"]}

    def test_a_plugin_adds_a_type_with_an_extra_field(self, app, runner, curator):
        assert runner.invoke(args=["plugins", "enable", "toolkit"]).exit_code == 0
        form = curator.get("/manage/resources/new").get_data(as_text=True)
        assert "Memory-friendly toolkit" in form and 'name="extra__reading_age"' in form
        response = upload_form(curator, files.pdf(), "kit.pdf", type="memory_toolkit", extra__reading_age="9 years")
        assert response.status_code == 302
        page = curator.get(response.headers["Location"]).get_data(as_text=True)
        assert "Memory-friendly toolkit" in page and "Reading age" in page and "9 years" in page


@pytest.mark.parametrize("anonymous", [True, False])
def test_search_queries_do_not_grow_with_the_library(app, anonymous):
    counts = []
    for size in (2, 12):
        with app.app_context():
            from tests.conftest import empty_all_tables

            empty_all_tables()
        with app.test_request_context():
            pdf = check_upload(Upload(files.pdf(), "x.pdf"))
            for i in range(size):
                add(title=f"Guide {i} about co-production", upload=pdf, audience=["carer", "researcher"][: 1 + i % 2],
                    tags=[f"tag{i}", "shared"], year=2020 + i % 4, type=["guide", "leaflet"][i % 2])
            create_member(email="reader@example.org")
        client = app.test_client()
        if not anonymous:
            AuthActions(client).login("reader@example.org")
        status, count = queries_for(app, client, "/resources?q=co-production&audience=carer&type=guide")
        assert status == 200
        counts.append(count)
    assert counts[0] == counts[1], counts
