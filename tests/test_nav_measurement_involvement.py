"""The site menu leads signed-in members to the surveys they can answer and to involvement opportunities."""
from tests.conftest import AuthActions, create_member


def test_signed_in_members_find_surveys_and_involvement_in_the_menu(app):
    with app.app_context():
        create_member(email="menu@example.org", role="trainee")
    client = app.test_client()
    home = client.get("/").get_data(as_text=True)
    assert 'href="/involvement/"' not in home and 'href="/surveys/"' not in home  # visitors: not theirs
    assert AuthActions(client).login("menu@example.org").status_code == 302
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('id="main-nav"'):page.index("</nav>")]
    assert '<a href="/involvement/"' in nav and ">Get involved<" in nav
    assert '<a href="/surveys/"' in nav and ">Surveys<" in nav
    assert client.get("/involvement/").status_code == 200 and client.get("/surveys/").status_code == 200
