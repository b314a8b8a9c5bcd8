"""Every route, as every role, with bad values in the query string, the form and the address: never a 5xx.

The routes come from the URL map, so a route added later is walked too. Each role signs in (as in the
permission matrix), a small dataset gives real ids, and each route is visited:

- with its real ids, and then with ids no table can hold or no row has (string parts: very long, odd);
- by GET with every bad value in turn in ``page``, ``year``, ``q`` and the fields of the page's own
  search forms;
- by POST (with a valid CSRF token, so the form is really read) with the fields of the forms that post
  to it, found on the pages walked (or else a few likely names): with every field bad, each bad value in turn;
  then with the page's own values and one field bad (a huge number, and one other bad value), so
  validation passes often enough for bad values to reach the rules and the database.
"""
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import create_member, csrf_from
from tests.test_permission_matrix import ROLES, matrix_course, sign_in

HUGE_IDS = [str(2**31 - 1), str(2**63), str(10**30)]
ODD_TEXT = ["x" * 3000, "%E2%80%A8%01", "..%2F..%2Fetc%2Fpasswd"]
# Bad values, already percent-encoded for a query string or a form body.
BAD = {
    "nul": "a%00b",
    "huge": str(10**30),
    "negative": "-1",
    "1e999": "1e999",
    "nan": "nan",
    "controls": "a%01%0B%0D%0A%7F%1Bb",
    "line separator": "a%E2%80%A8b%E2%80%A9c",
    "overlong": "x" * 20_000,
    "not utf-8": "%FF%FEa%C0%80%ED%A0%80",
}
QUERY_NAMES = ["page", "year", "q", "format", "code", "course", "theme", "start", "end", "action", "table"]
# For a form the walk found no page of (a row of an import, a button shown only in some states): likely names.
FALLBACK_FIELDS = {"member_id": "", "status": "present", "minutes": "45", "remark": "", "email": "", "reason": "",
                   "action": "", "decision": "", "direction": "up", "slug": "", "code": ""}
# Last: routes that take away what the rest of the walk needs (the session, the place, the account).
LAST = ("delete", "remove", "set_active", "change_role", "logout")


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["sample=tests.plugins.sample_plugin"]}


class Forms(HTMLParser):
    """The forms of a page: action, method, and each field's name with the value the page gives it."""

    def __init__(self):
        super().__init__()
        self.forms, self._select = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": {}})
        elif not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = a.get("name")
        if tag in ("input", "textarea", "select") and name and name != "csrf_token":
            if tag == "input" and a.get("type") in ("checkbox", "radio"):
                if "checked" in a or name not in fields:
                    fields[name] = a.get("value") or "y"
            elif tag == "input" and a.get("type") == "file":
                return
            else:
                fields.setdefault(name, a.get("value") or "")
            self._select = name if tag == "select" else None
        elif tag == "option" and self._select and ("selected" in a or not fields.get(self._select)):
            fields[self._select] = a.get("value") or ""


def forms_of(html, page_path):
    parser = Forms()
    parser.feed(html)
    for form in parser.forms:
        form["action"] = urlsplit(form["action"]).path or page_path
    return parser.forms


def seed(app, me):
    """Real ids: the matrix's course, session, enrolment, resource, suggestion (and partner)."""
    with app.app_context():
        target = create_member(role="trainee", name="Target Person")
        target_id = target.id
    ids = matrix_course(app, target, facilitator=me)
    ids["target"] = target_id
    return ids


def session_that_has_happened(app, ids, me):
    """A new course of the matrix's theme whose first session was a week ago, with the target (and ``me``) on it.

    Each route gets its own, so what an earlier route marked (a mark left unchanged writes nothing)
    cannot hide what this one does with a bad value.
    """
    from copractice.courses.models import CourseFacilitator, Enrolment
    from copractice.extensions import db
    from tests.factories_courses import create_course

    with app.app_context():
        begun = create_course(sessions=2, starts_in=-timedelta(days=7))
        db.session.add(Enrolment(course_id=begun.id, member_id=ids["target"], status="enrolled"))
        begun.places_taken = 1
        if me is not None:
            db.session.add(Enrolment(course_id=begun.id, member_id=me.id, status="enrolled"))
            if me.role == "facilitator":
                db.session.add(CourseFacilitator(course_id=begun.id, member_id=me.id))
        db.session.commit()
        return begun.sessions[0].id


def url_values(endpoint, arguments, ids):
    """Real values for each part of the address, by the part's name."""
    by_name = {"member_id": ids["target"], "course_id": ids["course"], "session_id": ids["session"],
               "enrolment_id": ids["enrolment"], "resource_id": ids["resource_id"], "file_id": ids["file"],
               "suggestion_id": ids["suggestion"], "partner_id": ids.get("partner", 1), "token": "not-a-real-token",
               "code": "NOSUCHCODE", "name": "dementia", "filename": "dementia.css"}
    values = {}
    if endpoint.startswith("agenda.") and "agroup" in ids:  # issue 15: a group's agenda, papers, minutes and log
        agenda = {"slug": ids["agroup"], "meeting_id": ids["gm1"], "item_id": ids["gitem"], "paper_id": ids["gpaper"],
                  "action_id": ids["gaction"], "entry_id": ids["gentry"]}
        return {name: agenda.get(name, 1) for name in arguments}
    if endpoint.startswith("impact.") and "impact_entry" in ids:  # issue 16: the impact log and projects
        impact = {"entry_id": ids["impact_entry"], "project_id": ids["impact_project"], "kind": "csv"}
        return {name: impact.get(name, 1) for name in arguments}
    for name in arguments:
        if name == "slug":
            values[name] = (ids["resource"] if endpoint.startswith("library.")
                            else "cross-cutting" if endpoint.startswith("themes.") else ids["slug"])
        else:
            values[name] = by_name.get(name, 1)
    return values


def build(rule, values):
    """The path of ``rule`` with ``values`` put in as they are (already quoted: bad values stay bad)."""
    path = rule.rule
    for part in rule.rule.split("<")[1:]:
        token = part.split(">", 1)[0]
        name = token.split(":")[-1]
        path = path.replace(f"<{token}>", str(values[name]))
    return path


def encode(fields, bad=None, only=None):
    """A query string or form body: every field (or only ``only``) set to ``bad``, the rest as the page had them."""
    parts = []
    for name, value in fields.items():
        chosen = bad if bad is not None and (only is None or name == only) else quote(str(value))
        parts.append(f"{quote(name)}={chosen}")
    return "&".join(parts)


def refused(response):
    """Turned away at the door: no permission, or sent to sign in."""
    if response is None:
        return False
    return response.status_code in (401, 403) or (
        response.status_code == 302 and urlsplit(response.headers.get("Location", "")).path == "/login")


def walk(app, role):
    client = app.test_client()
    me = sign_in(app, client, role)  # the permission matrix's member of this role, signed in
    ids = seed(app, me)
    token = csrf_from(client.get("/password/forgot").get_data(as_text=True))

    failures, posted_forms, visited = [], {}, 0

    def send(method, path, body=""):
        nonlocal visited
        visited += 1
        try:
            if method == "GET":
                response = client.get(path + ("?" + body if body else ""))
            else:
                response = client.post(path, data=f"csrf_token={quote(token)}" + ("&" + body if body else ""),
                                       content_type="application/x-www-form-urlencoded")
        except Exception as error:  # TESTING propagates exceptions instead of answering 500
            failures.append(f"{method} {path} {body[:120]!r}: {type(error).__name__}: {error}"[:400])
            return None
        if response.status_code >= 500:
            failures.append(f"{method} {path} {body[:120]!r}: {response.status_code}")
        return response

    def send_bad(method, path, fields):
        """Every bad value in every field; False when the first few were all turned away at the door.

        A request refused before it is read (no permission, not signed in) is refused the same way whatever
        it carries, so once the first three bad values (NUL, a huge number, a negative one) are turned away
        the rest, and the one-field-at-a-time variations, are not sent.
        """
        values = list(BAD.values())
        first = [send(method, path, encode(fields, bad)) for bad in values[:3]]
        if all(refused(answer) for answer in first):
            return False
        for bad in values[3:]:
            send(method, path, encode(fields, bad))
        return True

    rules = [r for r in app.url_map.iter_rules()]
    rules.sort(key=lambda r: (any(word in r.endpoint for word in LAST), r.endpoint == "members.logout", r.endpoint))
    for rule in rules:
        methods = sorted(rule.methods & {"GET", "POST"})
        real = build(rule, url_values(rule.endpoint, rule.arguments, ids))
        if "session_id" in rule.arguments and "POST" in methods:  # where marks and check-ins are allowed
            past = build(rule, {**url_values(rule.endpoint, rule.arguments, ids),
                                "session_id": session_that_has_happened(app, ids, me)})
        else:
            past = None
        search_fields = {}
        if "GET" in methods:
            response = send("GET", real)
            if response is not None and response.status_code == 200 and response.mimetype == "text/html":
                for form in forms_of(response.get_data(as_text=True), real):
                    if form["method"] == "post":
                        posted_forms.setdefault(form["action"], form["fields"])
                    elif form["action"] == real:
                        search_fields.update(form["fields"])
            send_bad("GET", real, dict.fromkeys(QUERY_NAMES, "") | search_fields)
        for path in filter(None, (real, past)):
            if "POST" not in methods:
                continue
            fields = posted_forms.get(path) or {}
            if not fields and "GET" in methods:
                response = send("GET", path)
                if response is not None and response.status_code == 200:
                    for form in forms_of(response.get_data(as_text=True), path):
                        if form["method"] == "post" and form["action"] == path:
                            fields = form["fields"]
            fields = fields or FALLBACK_FIELDS | {"member_id": ids["target"]}
            if not send_bad("POST", path, fields):
                continue
            # One field bad at a time, the rest as the page had them: every field gets a number no column
            # can hold, and one other bad value in turn.
            others = [v for k, v in BAD.items() if k != "huge"]
            for n, name in enumerate(fields):
                send("POST", path, encode(fields, BAD["huge"], only=name))
                send("POST", path, encode(fields, others[(n + len(path)) % len(others)], only=name))
        # Ids no row has (or no column can hold), and address parts nobody would write.
        for name in rule.arguments:
            odd = HUGE_IDS if re.search(rf"<int(\([^)]*\))?:{name}>", rule.rule) else ODD_TEXT
            for value in odd:
                path = build(rule, {**url_values(rule.endpoint, rule.arguments, ids), name: value})
                for method in methods:
                    send(method, path)
    return failures, visited


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_bad_input_with_a_server_error(app, role):
    failures, visited = walk(app, role)
    assert visited > 1000
    assert failures == [], f"{len(failures)} of {visited} requests failed:\n" + "\n".join(failures[:60])
