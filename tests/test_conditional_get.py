"""Issue 12 point 3: caching that survives writes. No whole-page cache; download counts live in their own
table; anonymous pages and calendar feeds answer 304 from validators that change only when what the page
shows changes; Cache-Control lets a proxy micro-cache anonymous pages and keeps members' pages private."""
from sqlalchemy import select

from copractice.extensions import db
from copractice.library import operations as ops
from copractice.library.models import Resource
from tests.test_library import add


def _resource_row(slug):
    row = db.session.execute(select(Resource.__table__).where(Resource.slug == slug)).mappings().one()
    return dict(row)


def test_a_download_leaves_the_resource_row_alone_and_is_counted(app, client):
    with app.test_request_context():
        slug = add().slug
        before = _resource_row(slug)
    assert client.get(f"/resources/{slug}/download").status_code == 200
    assert client.get(f"/resources/{slug}/download").status_code == 200
    with app.app_context():
        assert _resource_row(slug) == before  # updated_at and every other column as they were
        rid = before["id"]
        assert ops.download_counts([rid]) == {rid: 2}
