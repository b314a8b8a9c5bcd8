from tests.conftest import post_form
from tests.factories_courses import create_course


def test_enrol_through_the_course_page(app, client, auth, make_member, mailbox):
    with app.app_context():
        course = create_course(capacity=1)
        slug = course.slug
    make_member(email="one@example.org")
    auth.login("one@example.org")
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "Enrol" in page
    response = post_form(client, f"/courses/{slug}/enrol", {}, page=f"/courses/{slug}")
    assert response.status_code == 302
    page = client.get(f"/courses/{slug}").get_data(as_text=True)
    assert "You have a place on this course" in page and "https://meet.example/room" in page
    [mail] = mailbox.to("one@example.org")
    assert mail["Subject"].startswith("You have a place on")
    assert any(part.get_content_type() == "text/calendar" for part in mail.iter_attachments())
    assert client.get("/courses").status_code == 200
    assert client.get("/learning").status_code == 200
    assert client.get(f"/courses/{slug}/calendar.ics").status_code == 200
