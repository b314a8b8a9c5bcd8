"""The member directory (issue 14 point 5, and its share of points 8 and 9).

Opt-in through the "directory" consent; lived experience only under its own consent; withdrawing removes the
entry from the next request; erased, switched-off and young members never appear; email addresses never
shown; search with facets, counts and pages in a bounded number of statements; a "Send a message" link only
when messages exist; plugins' fields (copractice_directory_fields); export and erasure; bad input.
"""
import re

import pytest
from sqlalchemy import func, select

from copractice.community import directory
from copractice.community.directory_models import DirectoryEntry, DirectoryExtra, DirectoryTag
from copractice.errors import Refused
from copractice.extensions import db
from copractice.members import operations as member_ops
from copractice.members.models import Member
from copractice.plugin_models import PluginState
from tests.conftest import create_member, post_form
from tests.query_budget import counted_queries


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["dirfields=tests.plugins.directory_fields_plugin"]}


def join(member_id, *, show_lived=False, expertise="", themes=(), lived=(), mentoring=False, extras=None):
    """Put the member in the directory through the operation (inside an app context), and commit."""
    member = db.session.get(Member, member_id)
    directory.save_entry(member, listed=True, show_lived=show_lived, expertise=expertise, themes=themes,
                         lived=list(lived), open_to_mentoring=mentoring, extras=extras)
    db.session.commit()


def new_member(app, **fields):
    with app.app_context():
        return create_member(**fields).id


def page(client, url="/directory/"):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def viewer(app, client, login):
    """A signed-in member looking at the directory (not in it themselves)."""
    with app.app_context():
        me = create_member(name="Vera Viewer", email="vera@example.org")
    login(client, "vera@example.org")
    return me


# -- opt-in, withdrawal, who never appears -------------------------------------------------------------------------

def test_only_members_who_said_yes_are_listed_and_withdrawing_removes_them_at_once(app, client, viewer, login):
    ann = new_member(app, name="Ann Opted-In", email="ann@example.org", organisation="Kent Carers Hub")
    new_member(app, name="Bob Never-Asked")
    other = app.test_client()
    login(other, "ann@example.org")
    # Ann says yes on her choices page: the consent already collected at registration.
    post_form(other, "/account/consents", {"directory": "y"})
    html = page(client)
    assert "Ann Opted-In" in html and "Kent Carers Hub" in html and "Bob Never-Asked" not in html
    response = client.get("/directory/")
    assert response.headers["Cache-Control"] == "private, no-store"  # nothing may keep a copy of the page
    # She changes her mind: the very next request does not show her.
    post_form(other, "/account/consents", {})
    assert "Ann Opted-In" not in page(client)
    with app.app_context():
        assert not directory.is_listed(ann)


def test_unticking_on_the_entry_page_removes_the_entry_at_once_and_keeps_what_it_said(app, client, viewer, login):
    member_id = new_member(app, name="Lou Leaving", email="lou@example.org")
    with app.app_context():
        join(member_id, expertise="Peer support")
    assert "Lou Leaving" in page(client)
    lou = app.test_client()
    login(lou, "lou@example.org")
    response = post_form(lou, "/directory/entry", {"expertise": "Peer support"})
    assert response.status_code == 302
    assert "Lou Leaving" not in page(client)
    with app.app_context():
        member = db.session.get(Member, member_id)
        assert member_ops.current_consents(member)["directory"].granted is False  # recorded like any choice
        assert directory.own_entry(member).expertise == ["Peer support"]  # back as it was if she rejoins


def test_erased_switched_off_unconfirmed_and_young_members_never_appear_even_with_consent(app, client, viewer):
    ids = {
        "Erin Erased": new_member(app, name="Erin Erased"),
        "Otto Off": new_member(app, name="Otto Off", active=False),
        "Una Unconfirmed": new_member(app, name="Una Unconfirmed", verified=False),
        "Yasmin Young": new_member(app, name="Yasmin Young"),
        "Lena Listed": new_member(app, name="Lena Listed"),
    }
    with app.app_context():
        for member_id in ids.values():
            member = db.session.get(Member, member_id)
            member_ops.set_consents(member, {"directory": True})
        db.session.commit()
        db.session.get(Member, ids["Yasmin Young"]).under_18 = True
        from copractice.members.data_rights import erase_member

        erase_member(db.session.get(Member, ids["Erin Erased"]))
        db.session.commit()
    html = page(client)
    assert "Lena Listed" in html
    for name in ("Erin Erased", "Former member", "Otto Off", "Una Unconfirmed", "Yasmin Young"):
        assert name not in html
    with app.app_context():
        assert directory.search(directory.Criteria()).total == 1


def test_a_young_person_cannot_add_themselves(app, client, login):
    young = new_member(app, name="Yusuf Young", email="yusuf@example.org", under_18=True)
    with app.app_context(), pytest.raises(Refused, match="18 and over"):
        join(young)
    login(client, "yusuf@example.org")
    html = page(client, "/directory/entry")
    assert "for members aged 18 and over" in html and "Save your entry" not in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DirectoryEntry)) == 0


def test_the_young_check_is_one_function(app):
    with app.app_context():
        assert directory._is_young(Member(under_18=True)) and not directory._is_young(Member(under_18=False))


def test_the_listing_asks_the_young_check_too(app, monkeypatch):
    """When the young check says more than under_18 (the safety work's rule), the listing follows it."""
    with app.app_context():
        join(create_member(name="Tia Tightened").id)
        join(create_member(name="Ade Adult").id)
        monkeypatch.setattr(directory, "_is_young", lambda member: member.name == "Tia Tightened")
        assert names(directory.search(directory.Criteria())) == ["Ade Adult"]


def test_visitors_are_sent_to_log_in(client):
    for url in ("/directory/", "/directory/entry"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


# -- the entry: what it shows, lived experience under its own consent, never an email address ---------------------

def test_a_member_fills_their_entry_and_others_see_it_but_never_an_email_address(app, client, viewer, login):
    new_member(app, name="Cara Carer", email="cara.private@example.org", organisation="Medway Memory Cafe",
               area="medway", stakeholder_type="carer")
    cara = app.test_client()
    login(cara, "cara.private@example.org")
    form = page(cara, "/directory/entry")
    assert "Show me in the member directory" in form and "Show my lived experience in the directory" in form
    response = post_form(cara, "/directory/entry", {
        "listed": "y", "expertise": "Memory cafes, easy read ,memory CAFES", "themes": ["cross-cutting"],
        "open_to_mentoring": "y", "lived_suggested": ["Carer of someone with dementia"],
        "lived_other": "Young carer"})
    assert response.status_code == 302
    html = page(client)
    for text in ("Cara Carer", "Medway", "Medway Memory Cafe", "Carer", "Memory cafes, easy read",
                 "Cross-cutting"):
        assert text in html, text
    assert re.search(r"Open to mentoring</dt><dd>Yes", html)
    # Lived experience is written down but not shown: its own consent is still off.
    assert "Carer of someone with dementia" not in html and "Young carer" not in html
    assert "cara.private@example.org" not in html and "cara.private" not in html
    assert "cara.private@example.org" not in page(cara)  # not on her own view either
    with app.app_context():
        assert directory.search(directory.Criteria(q="young carer")).total == 0  # nor found by it
        assert directory.search(directory.Criteria(lived="young carer")).total == 0
        assert all(not facet.options for facet in directory.search(directory.Criteria()).facets
                   if facet.name == "lived")

    post_form(cara, "/directory/entry", {"listed": "y", "show_lived": "y", "expertise": "Memory cafes",
                                         "lived_suggested": ["Carer of someone with dementia"],
                                         "lived_other": "Young carer"})
    html = page(client)
    assert "Carer of someone with dementia, Young carer" in html
    with app.app_context():
        assert directory.search(directory.Criteria(q="young carer")).total == 1


def test_the_form_shows_what_was_saved(app, client, login):
    member_id = new_member(app, name="Sam Saved", email="sam@example.org")
    with app.app_context():
        join(member_id, show_lived=True, expertise="Surveys, Focus groups",
             lived=["Living with dementia", "Sight loss"], mentoring=True)
    login(client, "sam@example.org")
    html = page(client, "/directory/entry")
    assert 'value="Surveys, Focus groups"' in html and 'value="Sight loss"' in html
    assert re.search(r'value="Living with dementia"[^>]*checked|checked[^>]*value="Living with dementia"', html)


# -- search with facets -------------------------------------------------------------------------------------------

@pytest.fixture
def people(app):
    """Four listed members with different areas, types, themes, tags and mentoring."""
    specs = [
        ("Alice Archer", dict(area="kent", stakeholder_type="researcher", organisation="University of Kent"),
         dict(expertise="Surveys, Qualitative research", themes=["cross-cutting"], mentoring=True)),
        ("Ben Baker", dict(area="kent", stakeholder_type="carer", organisation="Carers First"),
         dict(expertise="Qualitative research", show_lived=True, lived=["Carer of someone with dementia"])),
        ("Chloe Cole", dict(area="surrey", stakeholder_type="carer"),
         dict(expertise="Peer support", lived=["Carer of someone with dementia"])),  # lived not shown
        ("Dev Dhillon", dict(area="surrey", stakeholder_type="practitioner"),
         dict(themes=["cross-cutting"], mentoring=True)),
    ]
    ids = {}
    with app.app_context():
        for name, fields, entry in specs:
            ids[name] = create_member(name=name, **fields).id
            join(ids[name], **entry)
    return ids


def names(results):
    return [listing.name for listing in results.listings]


def counts(results, facet):
    return {o.label: o.count for f in results.facets if f.name == facet for o in f.options}


@pytest.mark.parametrize("criteria, expected", [
    (dict(), ["Alice Archer", "Ben Baker", "Chloe Cole", "Dev Dhillon"]),
    (dict(q="carers first"), ["Ben Baker"]),  # organisation
    (dict(q="DHILL"), ["Dev Dhillon"]),  # name, any capitals
    (dict(q="qualitative"), ["Alice Archer", "Ben Baker"]),  # a tag
    (dict(q="50%_"), []),  # LIKE's wildcards are searched for as themselves
    (dict(area="surrey"), ["Chloe Cole", "Dev Dhillon"]),
    (dict(stakeholder="carer"), ["Ben Baker", "Chloe Cole"]),
    (dict(theme="cross-cutting"), ["Alice Archer", "Dev Dhillon"]),
    (dict(expertise="Qualitative Research"), ["Alice Archer", "Ben Baker"]),
    (dict(lived="carer of someone with dementia"), ["Ben Baker"]),  # Chloe did not agree to show hers
    (dict(mentoring=True), ["Alice Archer", "Dev Dhillon"]),
    (dict(area="kent", mentoring=True, q="surveys"), ["Alice Archer"]),
])
def test_search_by_text_and_each_facet(app, people, criteria, expected):
    with app.app_context():
        assert names(directory.search(directory.Criteria(**criteria))) == expected


def test_facet_counts_describe_the_match(app, people):
    with app.app_context():
        everyone = directory.search(directory.Criteria())
        assert counts(everyone, "area") == {"Kent": 2, "Surrey": 2}
        assert counts(everyone, "stakeholder") == {"Researcher": 1, "Carer": 2, "Practitioner (health or social care)": 1}
        assert counts(everyone, "theme") == {"Cross-cutting": 2}
        assert counts(everyone, "expertise") == {"Qualitative research": 2, "Peer support": 1, "Surveys": 1}
        assert counts(everyone, "lived") == {"Carer of someone with dementia": 1}  # Ben's only
        assert counts(everyone, "mentoring") == {"Open to mentoring": 2}
        in_kent = directory.search(directory.Criteria(area="kent"))
        assert counts(in_kent, "stakeholder") == {"Researcher": 1, "Carer": 1}
        assert in_kent.total == 2


def test_the_page_links_facets_and_pages(app, client, viewer, people):
    html = page(client, "/directory/?area=kent")
    assert "Remove filter: Kent" in html and "2 members" in html
    assert 'href="/directory/?area=kent&amp;stakeholder=carer"' in html
    with app.app_context():
        for n in range(25):
            join(create_member(name=f"Zed {n:02d}").id)
    first = page(client)
    assert "Page 1 of 2" in first and "29 members" in first and 'href="/directory/?page=2"' in first
    second = page(client, "/directory/?page=2")
    assert "Zed 24" in second and "Alice Archer" not in second
    assert "Page 2 of 2" in page(client, "/directory/?page=999")  # past the end: the last page


def test_the_directory_page_reads_the_same_number_of_statements_for_5_or_50_members(app, client, viewer):
    def listed(n):
        with app.app_context():
            for i in range(n):
                join(create_member(name=f"Member {i}").id, expertise=f"Tag {i}, Common", themes=["cross-cutting"],
                     show_lived=True, lived=[f"Lived {i}"], mentoring=i % 2 == 0,
                     extras={("dirfields", "buddy_trained"): "yes"})

    with app.app_context():
        db.session.add(PluginState(name="dirfields", enabled=True))
        db.session.commit()
    listed(5)
    client.get("/directory/")
    with counted_queries(app) as few:
        html = page(client, "/directory/?mentoring=yes")
    assert "Trained as a co-production buddy" in html
    listed(45)
    with counted_queries(app) as many:
        html = page(client, "/directory/?mentoring=yes")
    assert "26 members" in html and "Page 1 of 2" in html
    assert len(many) == len(few) and len(few) <= 12, (len(few), len(many))


# -- messages ------------------------------------------------------------------------------------------------------

def _messages_route(app):
    """A stand-in for the messages page, when messages are not part of this site yet (its owner's tests test it)."""
    if "messages.new" not in app.view_functions:
        from copractice.permissions import permission_required

        app.add_url_rule("/messages/new", endpoint="messages.new",
                         view_func=permission_required("site.view")(lambda: "a message"))


def two_listed(app):
    me = new_member(app, name="Mo Me", email="mo@example.org")
    other = new_member(app, name="Ola Other")
    with app.app_context():
        join(me)
        join(other)
    return me, other


def test_no_message_link_while_the_site_has_no_messages(app, client, login):
    if "messages.new" in app.view_functions:
        pytest.skip("this site has messages")
    two_listed(app)
    login(client, "mo@example.org")
    html = page(client)
    assert "Ola Other" in html and "Send a message" not in html


def test_send_a_message_link_on_each_entry_but_never_to_yourself(app, client, login):
    _messages_route(app)  # before the app's first request
    me, other = two_listed(app)
    login(client, "mo@example.org")
    html = page(client)
    assert f'href="/messages/new?to={other}"' in html
    assert f"/messages/new?to={me}" not in html


def test_a_young_person_sees_no_message_links(app, client, login):
    _messages_route(app)
    new_member(app, name="Yara Young", email="yara@example.org", under_18=True)
    with app.app_context():
        join(create_member(name="Adam Adult").id)
    login(client, "yara@example.org")
    html = page(client)
    assert "Adam Adult" in html and "Send a message" not in html


# -- plugins' fields (copractice_directory_fields) ----------------------------------------------------------------

@pytest.fixture
def fields_on(app):
    with app.app_context():
        db.session.add(PluginState(name="dirfields", enabled=True))
        db.session.commit()


def test_plugin_fields_are_asked_stored_per_plugin_shown_and_checked(app, client, viewer, fields_on, login):
    new_member(app, name="Fay Fields", email="fay@example.org")
    fay = app.test_client()
    login(fay, "fay@example.org")
    form = page(fay, "/directory/entry")
    assert "Trained as a co-production buddy (optional)" in form and "Languages you speak" in form
    assert "A field with a name that is not allowed" not in form  # left out: the plugin's mistake
    # Too many languages: the plugin's rule, beside its field; nothing saved.
    response = post_form(fay, "/directory/entry", {"listed": "y", "dirfields__buddy_trained": "yes",
                                                  "dirfields__languages": "Welsh\nPolish\nUrdu\nGujarati"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html and "Enter no more than 3" in html
    assert 'id="dirfields__languages-error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DirectoryExtra)) == 0
        assert not directory.is_listed(db.session.scalar(select(Member.id).where(Member.name == "Fay Fields")))
    post_form(fay, "/directory/entry", {"listed": "y", "dirfields__buddy_trained": "yes",
                                        "dirfields__languages": "Welsh\nPolish"})
    with app.app_context():
        rows = db.session.execute(select(DirectoryExtra.plugin, DirectoryExtra.name, DirectoryExtra.value)
                                  .order_by(DirectoryExtra.name)).all()
        assert rows == [("dirfields", "buddy_trained", "yes"), ("dirfields", "languages", "Welsh\nPolish")]
    html = page(client)
    assert "Trained as a co-production buddy" in html and "Welsh, Polish" in html


def test_a_disabled_plugins_fields_are_kept_but_not_shown(app, client, viewer, fields_on):
    member_id = new_member(app, name="Kit Kept")
    with app.app_context():
        join(member_id, extras={("dirfields", "buddy_trained"): "yes"})
        db.session.merge(PluginState(name="dirfields", enabled=False))
        db.session.commit()
        join(member_id, expertise="Something new")  # saving without the plugin leaves its answer alone
        assert db.session.scalar(select(DirectoryExtra.value)) == "yes"
    assert "Trained as a co-production buddy" not in page(client)


@pytest.mark.parametrize("app_settings", [{"EXTRA_PLUGINS": ["dirfields=tests.plugins.directory_fields_plugin"],
                                           "DIRECTORY_FIELDS_PLUGIN_RAISES": True}])
def test_a_plugin_whose_fields_hook_raises_is_skipped(app, client, viewer, fields_on, login):
    new_member(app, name="Rae Raises", email="rae@example.org")
    rae = app.test_client()
    login(rae, "rae@example.org")
    assert "Trained as a co-production buddy" not in page(rae, "/directory/entry")
    assert post_form(rae, "/directory/entry", {"listed": "y"}).status_code == 302
    assert "Rae Raises" in page(client)


@pytest.mark.parametrize("app_settings", [{}])
def test_the_dementia_plugin_asks_whether_you_are_a_dementia_friend(app, client, viewer, login):
    pytest.importorskip("copractice_dementia")
    with app.app_context():
        db.session.add(PluginState(name="dementia", enabled=True))
        db.session.commit()
    new_member(app, name="Dee Friend", email="dee@example.org")
    dee = app.test_client()
    login(dee, "dee@example.org")
    assert "Dementia Friend (optional)" in page(dee, "/directory/entry")
    post_form(dee, "/directory/entry", {"listed": "y", "dementia__dementia_friend": "yes"})
    assert re.search(r"Dementia Friend <span class=\"hint\">\(Living with Dementia\)</span></dt><dd>Yes", page(client))


# -- bad input: errors beside fields, never a 500 -----------------------------------------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("expertise", "a\x00b", "Use a single line of text"),
    ("expertise", "ok, tab\there", "Use a single line of text"),
    ("expertise", ", ".join(f"tag {n}" for n in range(11)), "Add no more than 10 tags."),
    ("expertise", ", ".join(f"tag {n}" for n in range(500))[:999], "Add no more than 10 tags."),
    ("expertise", "x" * 5000, "1000 characters"),
    ("expertise", "y" * 41, "is too long"),
    ("lived_other", "z\x1bz", "Use a single line of text"),
    ("lived_other", ", ".join(f"own {n}" for n in range(10)), "Add no more than 10 tags."),  # plus one ticked
    ("themes", "no-such-theme", "not a valid choice"),
])
def test_bad_input_is_shown_beside_its_field_and_nothing_is_saved(app, client, login, field, value, message):
    new_member(app, name="Bea Bad", email="bea@example.org")
    login(client, "bea@example.org")
    data = {"listed": "y", "lived_suggested": ["Living with dementia"], field: value}
    response = post_form(client, "/directory/entry", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in html, html[:500]
    assert message in html
    assert re.search(rf'id="{field}(-0)?-error"|id="{field}-error"', html)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DirectoryTag)) == 0
        assert db.session.scalar(select(func.count()).select_from(DirectoryEntry)) == 0


def test_the_operation_refuses_what_the_form_would(app):
    member_id = new_member(app, name="Op Check")
    with app.app_context():
        for kwargs, field in [(dict(expertise="a\nb"), "expertise"), (dict(lived=["x" * 41]), "lived"),
                              (dict(expertise=[f"t{n}" for n in range(11)]), "expertise"),
                              (dict(themes=["nowhere"]), "themes")]:
            with pytest.raises(directory.EntryInvalid) as refused:
                join(member_id, **kwargs)
            assert refused.value.field == field
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(DirectoryEntry)) == 0


@pytest.mark.parametrize("query", ["q=a%00b", "q=" + "x" * 3000, "area=mars", "theme=%FF%FE", "page=-4",
                                   "stakeholder=a%01b", "expertise=a%E2%80%A8b", "mentoring=maybe", "page=1e999"])
def test_bad_search_values_never_500(client, viewer, query):
    response = client.get(f"/directory/?{query}")
    # A NUL byte or bytes that are not UTF-8 in an address get the 400 page at the door (copractice.inputs).
    assert response.status_code == (400 if query in ("q=a%00b", "theme=%FF%FE") else 200)


def test_a_bad_search_value_is_explained_beside_its_field(client, viewer):
    html = page(client, "/directory/?area=mars&q=ok")
    assert "There is a problem" in html and 'id="area-error"' in html


# -- the member's data --------------------------------------------------------------------------------------------

def test_the_export_holds_the_entry_and_erasure_deletes_it(app, client, login, fields_on):
    member_id = new_member(app, name="Xena Export", email="xena@example.org")
    with app.app_context():
        join(member_id, show_lived=True, expertise="Easy read", themes=["cross-cutting"],
             lived=["Sight loss"], mentoring=True, extras={("dirfields", "buddy_trained"): "yes"})
    login(client, "xena@example.org")
    got = client.get("/account/data.json").get_json()["directory"]
    assert got["listed"] is True and got["shows_lived_experience"] is True and got["open_to_mentoring"] is True
    assert (got["expertise"], got["themes"], got["lived_experience"]) == (["Easy read"], ["Cross-cutting"],
                                                                          ["Sight loss"])
    assert got["plugin_fields"] == [{"plugin": "dirfields", "field": "buddy_trained", "value": "yes"}]
    html = page(client, "/account/data")  # the same in plain words
    assert "Your member directory entry" in html and "Sight loss" in html and "Easy read" in html
    post_form(client, "/account/delete", {"password": "correct horse battery", "confirm": "y"})
    with app.app_context():
        for model in (DirectoryEntry, DirectoryTag, DirectoryExtra):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0
        assert directory.search(directory.Criteria()).total == 0
        assert db.session.get(Member, member_id).erased_at is not None
