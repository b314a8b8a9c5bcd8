"""Members who gave Starting Well an under-18 age band before profile answers were recorded on
``member.under_18`` are recorded by the plugin's migration childrens_mental_health_0002 (review of issue 14)."""
import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from copractice.extensions import db
from copractice.members.models import Member, ProfileAnswer
from copractice.testing import create_member
from tests.test_migrations import fresh_url, make_app  # noqa: F401  (fresh_url is a fixture)


def test_the_migration_records_under_18_age_bands_given_before(fresh_url):  # noqa: F811
    pytest.importorskip("copractice_childrens_mental_health")
    app = make_app(fresh_url)
    with app.app_context():
        upgrade(revision="heads")
        downgrade(revision="childrens_mental_health_0001")
        ids = {}
        for band in ("13_15", "18_24", None):
            member = create_member()
            if band:
                db.session.add(ProfileAnswer(member_id=member.id, plugin="childrens_mental_health", field="age_band",
                                             value=band))
            ids[band] = member.id
        db.session.commit()
        assert not any(db.session.scalars(select(Member.under_18)))
        upgrade(revision="heads")
        db.session.expire_all()
        assert {band: db.session.get(Member, member_id).under_18 for band, member_id in ids.items()} == {
            "13_15": True, "18_24": False, None: False}
        db.session.remove()
        db.engine.dispose()
