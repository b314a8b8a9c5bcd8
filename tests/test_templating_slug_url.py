"""slug_url builds the same links as url_for, with or without the site under a path prefix."""
import pytest
from flask import url_for

from copractice.templating import slug_url


@pytest.mark.parametrize("script_root", ["", "/training"])
@pytest.mark.parametrize("slug", ["a-course-2027-39", "x", "Odd Slug/ü?", "café"])
def test_slug_url_is_url_for(app, script_root, slug):
    for endpoint in ("courses.course", "library.resource", "library.download"):
        with app.test_request_context("/courses", base_url="http://localhost" + script_root):
            assert slug_url(endpoint, slug) == url_for(endpoint, slug=slug)
            assert slug_url(endpoint, "second-one") == url_for(endpoint, slug="second-one")  # the kept prefix
