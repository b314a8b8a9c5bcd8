"""The social care plugin's partner list moves onto the core partnership map (issue 15 point 5): its migration
social_care_0002 keeps every existing partner, mapped as the issue says, and drops the plugin's own tables."""
from datetime import date

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from copractice import create_app
from copractice.extensions import db
from tests.conftest import drop_isolated, isolated_database_url, test_settings

pytest.importorskip("copractice_social_care")

PARTNERS = [  # id, name, county, status, website, notes
    (1, "Kent Carers Matter", "kent", "active", "https://kcm.example.org", "Monthly meetings"),
    (2, "Surrey Minority Ethnic Forum", "surrey", "prospective", None, None),
    (3, "Sussex Rural Links", "sussex", "paused", None, "Funding ran out"),
    (4, "Old Friends", "kent", "ended", None, None),
]
GROUPS = [(1, "unpaid_carers"), (1, "young_carers"), (3, "rural"), (3, "older_people")]


@pytest.fixture
def fresh_url(tmp_path_factory):
    url = isolated_database_url(tmp_path_factory, "social_care_move")
    yield url
    drop_isolated(url)


def rows(sql):
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_existing_partners_are_copied_onto_the_map_and_the_plugins_tables_dropped(fresh_url):
    app = create_app(test_settings(fresh_url, 8025))
    with app.app_context():
        upgrade(revision="social_care_0001")  # the plugin's tables as they were, with partners in them
        upgrade(revision="0032")
        with db.engine.begin() as conn:
            for pid, name, county, status, website, notes in PARTNERS:
                conn.execute(text("INSERT INTO social_care_partner (id, name, county, status, website, notes, "
                                  "created_at, updated_at) VALUES (:id, :name, :county, :status, :website, :notes, "
                                  "'2026-05-01 10:00:00', '2026-06-15 09:30:00')"),
                             {"id": pid, "name": name, "county": county, "status": status, "website": website,
                              "notes": notes})
            for pid, group in GROUPS:
                conn.execute(text('INSERT INTO social_care_partner_group (partner_id, "group") VALUES (:p, :g)'),
                             {"p": pid, "g": group})
        upgrade(revision="heads")

        tables = set(inspect(db.engine).get_table_names())
        assert "social_care_partner" not in tables and "social_care_partner_group" not in tables
        orgs = {name: (status, website, notes, sector) for name, status, website, notes, sector in
                rows("SELECT name, status, website, notes, sector FROM organisation")}
        assert orgs == {
            "Kent Carers Matter": ("active", "https://kcm.example.org", "Monthly meetings", "other"),
            "Surrey Minority Ethnic Forum": ("potential", None, None, "other"),
            "Sussex Rural Links": ("dormant", None, "Funding ran out", "other"),
            "Old Friends": ("dormant", None, "The partnership had ended (moved from the social care partner list).",
                            "other"),
        }
        areas = rows("SELECT o.name, a.area FROM organisation o JOIN organisation_area a ON a.organisation_id = o.id "
                     "ORDER BY o.name, a.area")
        assert areas == [("Kent Carers Matter", "kent"), ("Old Friends", "kent"),
                         ("Surrey Minority Ethnic Forum", "surrey"), ("Sussex Rural Links", "east_sussex"),
                         ("Sussex Rural Links", "west_sussex")]
        assert set(rows("SELECT theme_slug FROM organisation_theme")) == {("social-care",)}
        assert len(rows("SELECT id FROM organisation_theme")) == 4
        groups = dict(rows("SELECT o.name, e.value FROM organisation o JOIN organisation_extra e "
                           "ON e.organisation_id = o.id WHERE e.plugin = 'social_care' AND e.name = 'groups_served'"))
        assert groups == {"Kent Carers Matter": "unpaid_carers\nyoung_carers",
                          "Sussex Rural Links": "older_people\nrural"}
        history = rows("SELECT o.name, h.status, h.changed_on FROM organisation o JOIN organisation_status_change h "
                       "ON h.organisation_id = o.id ORDER BY o.name")
        assert [(n, s) for n, s, _ in history] == [("Kent Carers Matter", "active"), ("Old Friends", "dormant"),
                                                   ("Surrey Minority Ethnic Forum", "potential"),
                                                   ("Sussex Rural Links", "dormant")]
        assert {str(on)[:10] for _, _, on in history} == {date(2026, 6, 15).isoformat()}

        # Downgrading the plugin's branch moves them back, as they were.
        downgrade(revision="social_care_0001")
        back = rows("SELECT name, county, status, website, notes FROM social_care_partner ORDER BY name")
        assert back == sorted((name, county, status, website, notes)
                              for _, name, county, status, website, notes in PARTNERS)
        assert len(rows('SELECT "group" FROM social_care_partner_group')) == len(GROUPS)
        assert rows("SELECT id FROM organisation") == []
        upgrade(revision="heads")
        assert len(rows("SELECT id FROM organisation")) == 4
        db.engine.dispose()
