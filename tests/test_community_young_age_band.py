"""The young rule in SQL (review of issue 14): the directory, the "who can I message" search and mentoring
suggestions filter on ``Member.under_18`` in SQL, while ``safety.is_young`` is widened by plugins (hook
``copractice_is_young``: Starting Well counts an under-18 age band as young). Saving a member's profile answers
records what the plugins say on ``Member.under_18``, so a member who gave an under-18 age band but did not say
"under 18" is kept out of every list adults see, counts and facets included."""
import pytest

from copractice.community import directory, messages
from copractice.community import mentoring as mentoring_ops
from copractice.extensions import db
from copractice.members import operations as member_ops
from copractice.members.models import Member
from copractice.testing import create_member, log_in

BAND = ("childrens_mental_health", "age_band")


@pytest.fixture
def starting_well(app, enable_plugin):
    pytest.importorskip("copractice_childrens_mental_health")
    enable_plugin("childrens_mental_health")
    enable_plugin("dementia")


def test_an_under_18_age_band_keeps_a_member_out_of_every_list_adults_see(app, starting_well):
    with app.test_request_context():
        adult = create_member(name="Adam Adult", email="adam@example.org")
        listed = create_member(name="Lena Listed", area="surrey")
        # Yara joined the directory and offered to be a buddy, then told us her age band (16 or 17) on her
        # profile page; she never said "under 18" at registration.
        yara = create_member(name="Yara Banded", area="kent")
        for person in (listed, yara):
            directory.save_entry(person, listed=True, show_lived=False, open_to_mentoring=True)
            mentoring_ops.save_offer(person, "mentor", themes=["dementia"], area=None)
        db.session.commit()
        member_ops.update_profile(db.session.get(Member, yara.id), answers={BAND: "16_17"})
        db.session.commit()

        assert db.session.get(Member, yara.id).under_18 is True
        results = directory.search(directory.Criteria())
        assert [entry.name for entry in results.listings] == ["Lena Listed"]
        assert results.total == 1  # the count and the facets do not count her either
        areas = {option.value: option.count for facet in results.facets if facet.name == "area"
                 for option in facet.options}
        assert areas == {"surrey": 1}
        assert not directory.is_listed(yara.id)
        assert messages.find_people(adult, "Yara") == []
        request = mentoring_ops.ask(adult, "mentor", themes=["dementia"], area="kent", hopes="Help with a panel")
        assert [s.member.name for s in mentoring_ops.suggestions(request)] == ["Lena Listed"]
        db.session.commit()

    client = app.test_client()
    log_in(client, "adam@example.org")
    page = client.get("/directory/").get_data(as_text=True)
    assert "Lena Listed" in page and "Yara" not in page


def test_registering_with_an_under_18_age_band_records_under_18(app, starting_well):
    with app.test_request_context():
        for band, young in (("13_15", True), ("18_24", False)):
            member = member_ops.register_member(
                name=f"Band {band}", email=f"band-{band}@example.org", password="a long enough password 1",
                stakeholder_type="young_person", answers={BAND: band}, under_18=False)
            assert member.under_18 is young


def test_without_the_plugin_an_age_band_answer_changes_nothing(app):
    with app.test_request_context():
        member = create_member()
        member_ops.update_profile(member, answers={BAND: "16_17"})
        assert member.under_18 is False
