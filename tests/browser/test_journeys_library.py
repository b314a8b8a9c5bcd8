"""Library journeys in a real browser: narrow by facets and download, upload a new version,
refuse a disguised program, and fit a phone screen.

Every page visited passes axe (no serious or critical problems). Files are real: PDFs made on the
spot, and a Windows program renamed to look like a PDF.
"""
import os
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from copractice.extensions import db
from copractice.library import operations as ops
from copractice.library.models import Resource, ResourceFile
from copractice.library.uploads import check_upload
from copractice.timeutil import uk_date
from tests import library_files as files
from tests.browser.conftest import check_a11y
from tests.browser.journey import assert_fits, expect_banner, expect_heading, log_in, nav
from tests.conftest import create_member
from tests.test_library import Upload, add

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TARGET = "Carers shaping a memory service"  # the case study for carers, 2025
# Made once: fpdf stamps the time into each file, so two calls can differ.
TARGET_PDF = files.pdf(TARGET)


# -- helpers -------------------------------------------------------------------------------------------


def facets(page):
    """The "Narrow down" panel beside the results."""
    return page.get_by_role("complementary", name="Narrow down")


def facet_group(page, heading):
    """The list of choices under one facet heading ("Type", "Who it is for", ...)."""
    return facets(page).get_by_role("heading", name=heading, exact=True).locator("xpath=following-sibling::ul[1]")


def facet_link(page, heading, label, count):
    """The link that narrows to ``label`` under ``heading``, read as "Carer (2 resources)".

    Chromium puts a space around the visually hidden word ("2 resources )"); screen readers
    ignore it, so the match does too.
    """
    noun = "resource" if count == 1 else "resources"
    name = re.compile(rf"^{re.escape(label)} \({count} {noun} ?\)$")
    return facet_group(page, heading).get_by_role("link", name=name)


def result_count(page):
    return page.locator(".library__results").get_by_role("status")


def result_titles(page):
    return page.locator(".library__results").get_by_role("heading", level=2).filter(
        has=page.get_by_role("link"))


def expect_results(page, titles):
    """The result count and the listed titles are exactly ``titles`` (in any order)."""
    n = len(titles)
    expect(result_count(page)).to_have_text(f"{n} resource{'' if n == 1 else 's'}.")
    expect(result_titles(page)).to_have_count(n)
    assert sorted(result_titles(page).all_inner_texts()) == sorted(titles)


def themes_row(page):
    """The "Themes" answer in the resource's "About this resource" list."""
    return page.locator(".summary-list__row", has=page.locator("dt", has_text="Themes")).locator("dd")


def download_current(page, title):
    """Press the resource page's Download button; return (the name the site suggests, the bytes)."""
    link = page.get_by_role("main").get_by_role("link", name=re.compile(rf"^Download {re.escape(title)} \(PDF, \d+ KB\)$"))
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    with open(download.path(), "rb") as handle:
        return download.suggested_filename, handle.read()



def pdf_upload(data, name):
    """A checked upload of ``data``, as the curation form would make it."""
    return check_upload(Upload(data, name))


def stored_files(app):
    root = app.config["UPLOAD_FOLDER"]
    return sorted(os.path.join(d, f) for d, _, fs in os.walk(root) for f in fs) if os.path.exists(root) else []


def seed_library(app):
    """Six published resources of different types, years, audiences and themes, and one draft.

    Two are case studies for carers; each other published item is left out by the type facet,
    the audience facet, or both. The draft would match both facets but is not published.
    """
    with app.test_request_context():
        add(title=TARGET, type="case_study", year=2025, audience=("carer", "patient"),
            summary="How carers and a memory clinic rewrote the clinic's leaflets together.",
            upload=pdf_upload(TARGET_PDF, "carers-memory-service.pdf"))
        add(title="Carers on the interview panel", type="case_study", year=2023, audience=("carer",),
            summary="Carers helped choose the new service manager.")
        add(title="Young people in the lead", type="case_study", year=2025, audience=("young_person",),
            summary="A youth panel set the questions for a study of school nurses.")  # not for carers
        add(title="A patient panel that stayed", type="case_study", year=2024, audience=("patient", "researcher"),
            summary="Why members of a patient panel kept coming back for five years.")  # not for carers
        add(title="A carer's guide to co-production", type="guide", year=2025, audience=("carer",),
            summary="What to expect when you are asked to help plan a service.")  # not a case study
        add(title="Paying people for their time", type="leaflet", year=2024, audience=(),
            summary="Rates, vouchers and what payments mean for benefits.", themes=("dementia",))  # for everyone
        add(title="Unfinished carers' case study", type="case_study", year=2025, audience=("carer",),
            status="draft", summary="Not ready yet.")


# -- Journey 1: a member narrows by two facets, downloads a case study and saves it ----------------------

def test_member_narrows_by_type_and_audience_downloads_and_saves_a_case_study(page, new_page, live_server, app):
    seed_library(app)
    with app.app_context():
        member = create_member(role="trainee", name="Cara Carer", stakeholder_type="carer")
        email = member.email

    log_in(page, live_server, email)
    nav(page, "Resources")
    expect_heading(page, "Resources")
    everything = [TARGET, "Carers on the interview panel", "Young people in the lead", "A patient panel that stayed",
                  "A carer's guide to co-production", "Paying people for their time"]
    expect_results(page, everything)
    expect(facets(page).get_by_role("heading", name="You have chosen")).to_have_count(0)
    check_a11y(page)

    # Type: four published case studies (the draft is not counted).
    facet_link(page, "Type", "Case study", 4).click()
    case_studies = [TARGET, "Carers on the interview panel", "Young people in the lead", "A patient panel that stayed"]
    expect_results(page, case_studies)
    expect(page).to_have_url(re.compile(r"/resources\?type=case_study$"))
    expect(facets(page).get_by_role("heading", name="Type", exact=True)).to_have_count(0)  # chosen, not offered
    check_a11y(page)

    # Who it is for: the counts are of what the type filter left.
    expect(facet_link(page, "Who it is for", "Patient", 2)).to_be_visible()
    expect(facet_link(page, "Who it is for", "Young person", 1)).to_be_visible()
    expect(facet_link(page, "Who it is for", "Researcher", 1)).to_be_visible()
    facet_link(page, "Who it is for", "Carer", 2).click()
    both = [TARGET, "Carers on the interview panel"]
    expect_results(page, both)
    check_a11y(page)

    chosen = facets(page).get_by_role("heading", name="You have chosen").locator("xpath=following-sibling::ul[1]")
    expect(chosen.get_by_role("link")).to_have_count(2)
    remove_type = chosen.get_by_role("link", name=re.compile(r"^Remove filter: Case study$"))
    remove_audience = chosen.get_by_role("link", name=re.compile(r"^Remove filter: Carer$"))
    expect(remove_type).to_have_attribute("href", "/resources?audience=carer")
    expect(remove_audience).to_have_attribute("href", "/resources?type=case_study")

    # The address holds both filters, so it can be shared: a visitor who has not logged in sees the same.
    shared = page.url
    assert re.search(r"[?&]type=case_study(&|$)", shared) and re.search(r"[?&]audience=carer(&|$)", shared), shared
    visitor = new_page()
    visitor.goto(shared)
    expect_heading(visitor, "Resources")
    expect(visitor.get_by_role("button", name="Log out")).to_have_count(0)
    expect_results(visitor, both)
    check_a11y(visitor)

    # Removing one filter widens the list again; going back restores both.
    remove_audience.click()
    expect_results(page, case_studies)
    check_a11y(page)
    page.go_back()
    expect_results(page, both)
    check_a11y(page)

    page.get_by_role("link", name=TARGET, exact=True).click()
    expect_heading(page, f"{TARGET} Case study")
    main = page.get_by_role("main")
    expect(main).to_contain_text("How carers and a memory clinic rewrote the clinic's leaflets together.")
    about = page.locator(".summary-list").first
    expect(about).to_contain_text("2025")
    expect(about).to_contain_text("Carer, Patient")
    check_a11y(page)

    name, data = download_current(page, TARGET)
    assert name == "carers-memory-service.pdf"
    assert data.startswith(b"%PDF")
    assert data == TARGET_PDF
    with app.app_context():
        rid = db.session.scalar(select(Resource.id).where(Resource.title == TARGET))
        assert ops.download_counts([rid]) == {rid: 1}

    page.get_by_role("button", name="Save to my resources").click()
    expect_heading(page, f"{TARGET} Case study")
    expect_banner(page, "Saved. Find it in My saved resources.")
    expect(page.get_by_role("button", name="Remove from my saved resources")).to_be_visible()
    check_a11y(page)

    page.goto(live_server + "/my/resources")
    expect_heading(page, "My saved resources")
    saved = page.get_by_role("main").get_by_role("heading", level=2)
    expect(saved).to_have_count(1)
    expect(saved).to_have_text(TARGET)
    check_a11y(page)
    saved.get_by_role("link", name=TARGET).click()
    expect_heading(page, f"{TARGET} Case study")
    check_a11y(page)


# -- Journey 2: a theme lead uploads a new version of a resource's file ---------------------------------

def test_theme_lead_uploads_a_new_version_and_the_first_is_kept(page, live_server, app, tmp_path):
    # The resource is shared with a theme the lead does not lead; their edit must leave it there.
    assert app.test_cli_runner().invoke(args=["plugins", "enable", "dementia"]).exit_code == 0
    first = files.pdf("First edition")
    with app.test_request_context():
        lead = create_member(role="theme_lead", themes=("cross-cutting",), name="Lena Lead")
        email = lead.email
        item = add(actor=lead, title="Planning a co-production meeting", year=2024,
                   themes=("cross-cutting", "dementia"), upload=pdf_upload(first, "meeting-guide.pdf"))
        slug = item.slug
        first_date = uk_date(item.current_file.uploaded_at)
    second = files.pdf("Second edition")
    assert second != first
    path = tmp_path / "meeting-guide-second-edition.pdf"
    path.write_bytes(second)

    log_in(page, live_server, email)
    nav(page, "Curate")
    expect_heading(page, "Curate resources")
    check_a11y(page)

    yours = page.get_by_role("table", name="Resources you can curate")
    yours.get_by_role("link", name="Planning a co-production meeting").click()
    expect_heading(page, "Planning a co-production meeting Guide")
    expect(page.get_by_role("heading", name="Earlier versions")).to_have_count(0)
    expect(themes_row(page)).to_have_text("Cross-cutting, Living with Dementia")
    check_a11y(page)
    assert download_current(page, "Planning a co-production meeting") == ("meeting-guide.pdf", first)

    page.get_by_role("link", name="Change this resource or upload a new version").click()
    expect_heading(page, "Change Planning a co-production meeting")
    expect(page.get_by_label("Title")).to_have_value("Planning a co-production meeting")
    themes = page.get_by_role("group", name="Themes")
    expect(themes.get_by_label("Cross-cutting")).to_be_checked()
    expect(themes.get_by_role("checkbox")).to_have_count(1)  # only the themes the lead curates are offered
    expect(page.get_by_role("main")).to_contain_text(f"Current file: meeting-guide.pdf, uploaded {first_date}.")
    check_a11y(page)

    page.get_by_label("File (optional)").set_input_files(str(path))
    page.get_by_role("button", name="Save resource").click()
    expect_heading(page, "Planning a co-production meeting Guide")
    expect_banner(page, "The resource has been saved.")
    expect(page).to_have_url(live_server + f"/resources/{slug}")
    check_a11y(page)

    expect(themes_row(page)).to_have_text("Cross-cutting, Living with Dementia")  # not offered to the lead, kept

    earlier = page.get_by_role("heading", name="Earlier versions").locator("xpath=following-sibling::ul[1]")
    expect(earlier.get_by_role("listitem")).to_have_count(1)
    expect(earlier.get_by_role("listitem")).to_have_text(f"meeting-guide.pdf, uploaded {first_date}")

    # The same download link now gives the new file (not one cached from the first download).
    name, data = download_current(page, "Planning a co-production meeting")
    assert name == "meeting-guide-second-edition.pdf"
    assert data == second

    # The earlier version is still there, byte for byte.
    with page.expect_download() as download_info:
        earlier.get_by_role("link", name="meeting-guide.pdf").click()
    with open(download_info.value.path(), "rb") as handle:
        assert handle.read() == first

    with app.app_context():
        versions = db.session.scalars(select(ResourceFile).order_by(ResourceFile.id)).all()
        assert [v.original_name for v in versions] == ["meeting-guide.pdf", "meeting-guide-second-edition.pdf"]
        saved = db.session.scalar(select(Resource).where(Resource.slug == slug))
        assert saved.title == "Planning a co-production meeting"
        assert sorted(saved.themes) == ["cross-cutting", "dementia"]
    assert len(stored_files(app)) == 2


# -- Journey 3: a program disguised as a PDF is refused ---------------------------------------------------

def test_theme_lead_cannot_upload_a_program_renamed_as_a_pdf(page, live_server, app, tmp_path):
    with app.app_context():
        email = create_member(role="theme_lead", themes=("cross-cutting",)).email
    disguised = tmp_path / "guide.pdf"
    disguised.write_bytes(files.EXE)

    log_in(page, live_server, email)
    nav(page, "Curate")
    expect_heading(page, "Curate resources")
    check_a11y(page)
    page.get_by_role("main").get_by_role("link", name="Add a resource").click()
    expect_heading(page, "Add a resource")
    check_a11y(page)

    page.get_by_label("Title").fill("A guide to co-production")
    page.get_by_label("Plain-English summary").fill("How to work together as equals.")
    page.get_by_label("Type").select_option(label="Guide")
    page.get_by_role("group", name="Themes").get_by_label("Cross-cutting").check()
    page.get_by_label("Who can see it").select_option(label="Everyone")
    page.get_by_label("Status").select_option(label="Published")
    page.get_by_label("File (optional)").set_input_files(str(disguised))
    page.get_by_role("button", name="Save resource").click()

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Add a resource"))
    problem = summary.get_by_role("link", name=re.compile(r"^This file is not a type we accept"))
    expect(problem).to_have_attribute("href", "#file")
    expect(page.locator("#file-error")).to_contain_text("This file is not a type we accept")
    expect(page.get_by_label("File (optional)")).to_have_accessible_description(
        re.compile("This file is not a type we accept"))
    expect(page.get_by_label("Title")).to_have_value("A guide to co-production")  # the rest is kept
    check_a11y(page)

    problem.click()
    expect(page.get_by_label("File (optional)")).to_be_focused()

    assert stored_files(app) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Resource)) == 0
        assert db.session.scalar(select(func.count()).select_from(ResourceFile)) == 0


# -- Journey 4: the library on a phone ---------------------------------------------------------------------

def test_library_fits_a_390px_screen_without_sideways_scrolling(new_page, live_server, app):
    seed_library(app)
    page = new_page(viewport=PHONE)

    page.goto(live_server + "/resources")
    expect_heading(page, "Resources")
    expect(result_count(page)).to_have_text("6 resources.")
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    facet_link(page, "Type", "Case study", 4).click()
    expect(result_count(page)).to_have_text("4 resources.")
    assert_fits(page, PHONE["width"])
    check_a11y(page)
    facet_link(page, "Who it is for", "Carer", 2).click()
    expect(result_count(page)).to_have_text("2 resources.")
    assert_fits(page, PHONE["width"])
    check_a11y(page)

    page.get_by_role("link", name=TARGET, exact=True).click()
    expect_heading(page, f"{TARGET} Case study")
    download = page.get_by_role("main").get_by_role("link", name=re.compile(r"^Download "))
    expect(download).to_be_visible()
    box = download.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert_fits(page, PHONE["width"])
    check_a11y(page)
