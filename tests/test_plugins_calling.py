"""pluggy calls the hooks: one failure policy per hook, declared on its spec; disabled plugins are not
called; pluggy's order, wrappers and firstresult are honoured (issue 13 point 8)."""
import inspect

import pytest

from copractice import hookspecs
from copractice.courses import operations as ops
from copractice.extensions import db
from copractice.members.models import Member
from copractice.plugins import PluginFailure, get_plugins
from tests.conftest import AuthActions, create_member
from tests.factories_courses import create_course
from tests.plugins import calling_alpha, calling_beta

RULE_HOOKS = {"copractice_enrolment_check", "copractice_facilitator_check", "copractice_member_data",
              "copractice_member_erased"}
RULE_HOOKS |= {"copractice_may_message"}  # issue 14 point 6: who may message whom
RULE_HOOKS |= {"copractice_may_post", "copractice_is_young"}  # issue 14 point 4: who may post where, who is young
RULE_HOOKS |= {"copractice_involvement_eligibility"}  # issue 17 point 9: who may take part in an opportunity
PAGE_HOOKS = {"copractice_themes", "copractice_nav_items", "copractice_page_assets", "copractice_dashboard_widgets",
              "copractice_register_extras", "copractice_report_columns", "copractice_resource_types",
              "copractice_profile_fields", "copractice_certificate_wording"}


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["alpha=tests.plugins.calling_alpha", "beta=tests.plugins.calling_beta",
                              "wrapping=tests.plugins.calling_wrapper"]}


@pytest.fixture(autouse=True)
def fresh_calls():
    calling_alpha.CALLS.clear()
    calling_beta.CALLS.clear()


def switch(runner, name, on=True):
    result = runner.invoke(args=["plugins", "enable" if on else "disable", name])
    assert result.exit_code == 0, result.output


def plugins_page(app):
    with app.app_context():
        create_member(email="admin@example.org", role="admin")
    admin = app.test_client()
    AuthActions(admin).login("admin@example.org")
    return admin.get("/admin/plugins").get_data(as_text=True)


def hook_names():
    return sorted(name for name in dir(hookspecs) if name.startswith("copractice_"))


def test_every_hookspec_declares_its_policy_and_says_it_in_its_docstring():
    for name in hook_names():
        spec = getattr(hookspecs, name)
        policy = getattr(spec, "copractice_on_error", None)
        assert policy in (hookspecs.SKIP, hookspecs.REFUSE), f"{name}: declare @on_error(SKIP) or @on_error(REFUSE)"
        assert getattr(spec, "copractice_plugins", None) in (hookspecs.ENABLED, hookspecs.INSTALLED)
        said = "fails closed" if policy == hookspecs.REFUSE else "skipped"
        assert said in spec.__doc__.lower(), f"{name}: its docstring should say it is {said}"
    assert {n for n in hook_names() if getattr(hookspecs, n).copractice_on_error == hookspecs.REFUSE} == RULE_HOOKS
    assert all(getattr(hookspecs, n).copractice_on_error == hookspecs.SKIP for n in PAGE_HOOKS)


def test_a_raising_page_hook_is_skipped_and_recorded_for_the_plugins_page(app, runner):
    switch(runner, "beta")
    with app.test_request_context():
        session = create_course(sessions=1).sessions[0]
        assert get_plugins().collect("copractice_register_extras", session=session) == []
    page = plugins_page(app)
    assert "Last error" in page and "beta&#39;s companion list is unreachable" in page


def test_a_raising_rule_hook_refuses_however_it_is_called(app, runner):
    switch(runner, "beta")
    with app.test_request_context():
        course, member = create_course(), create_member()
        with pytest.raises(PluginFailure) as failure:  # the spec decides, not the method the caller picked
            get_plugins().collect("copractice_enrolment_check", member=member, course=course)
        assert failure.value.plugin == "beta" and "rule service is down" in failure.value.error
        with pytest.raises(ops.EnrolmentRefused, match="could not check"):
            ops.enrol(member, course)
    assert "beta&#39;s rule service is down" in plugins_page(app)


def test_a_plugin_that_cannot_answer_for_a_members_data_is_named_and_recorded(app):
    from copractice.members.data_rights import plugin_data

    with app.test_request_context():  # installed, not enabled: a member's data does not depend on a switch
        answered, failed = plugin_data(db.session.get(Member, create_member().id))
        assert failed == ["beta"] and "beta" not in answered
    assert "beta&#39;s records service is down" in plugins_page(app)


def test_disabled_plugins_are_not_called_even_after_a_switch_in_this_process(app, runner):
    with app.test_request_context():
        assert get_plugins().collect("copractice_report_columns", report="course") == []
    switch(runner, "alpha")
    with app.test_request_context():
        labels = [c.label for c in get_plugins().collect("copractice_report_columns", report="course")]
    assert labels == ["Alpha column"] and calling_alpha.CALLS == ["alpha"] and calling_beta.CALLS == []
    switch(runner, "alpha", on=False)
    switch(runner, "beta")
    with app.test_request_context():
        labels = [c.label for c in get_plugins().collect("copractice_report_columns", report="course")]
    assert labels == ["Beta column"] and calling_alpha.CALLS == ["alpha"]


def test_order_is_pluggys_last_installed_first_and_kept_by_every_way_of_calling(app, runner):
    switch(runner, "alpha")
    switch(runner, "beta")
    with app.test_request_context():
        plugins = get_plugins()
        columns = plugins.collect("copractice_report_columns", report="course")
        assert [c.label for c in columns] == ["Beta column", "Alpha column"]
        assert plugins.implementers("copractice_report_columns") == ["beta", "alpha"]
        assert [(name, c.label) for name, c in plugins.collect_by_plugin("copractice_report_columns", report="course")] \
            == [("beta", "Beta column"), ("alpha", "Alpha column")]


def test_firstresult_hook_takes_the_first_answer_and_skips_a_raising_plugin(app, runner):
    with app.test_request_context():
        course = create_course(theme_slug="alpha")
        assert get_plugins().call("copractice_certificate_wording", course=course) == \
            "completed the co-production course"  # only the built-in core answers
    switch(runner, "alpha")
    switch(runner, "beta")
    with app.test_request_context():
        course = db.session.merge(course)
        wording = get_plugins().call("copractice_certificate_wording", course=course)
        other = get_plugins().call("copractice_certificate_wording", course=create_course(theme_slug="cross-cutting"))
    # beta (installed last) is asked first and raises: skipped; alpha answers and the core is never asked.
    assert wording == "completed the Alpha theme's course"
    assert calling_beta.CALLS[:1] == ["beta wording"] and calling_alpha.CALLS[:1] == ["alpha wording"]
    assert other == "completed the co-production course"  # alpha said None for another theme's course
    assert "beta&#39;s wording file is missing" in plugins_page(app)


def test_a_pluggy_wrapper_runs_around_the_other_plugins(app, runner, client):
    switch(runner, "alpha")
    switch(runner, "wrapping")
    with app.app_context():
        create_member(email="reader@example.org")
    AuthActions(client).login("reader@example.org")
    page = client.get("/account").get_data(as_text=True)
    assert "Alpha widget" in page and "Wrapper count" in page and "Widgets from other plugins: 1" in page


def test_a_raising_wrapper_keeps_its_hooks_policy(app, runner, caplog):
    switch(runner, "alpha")
    switch(runner, "wrapping")
    with app.test_request_context():
        course = create_course(sessions=1)
        extras = get_plugins().collect("copractice_register_extras", session=course.sessions[0])
        assert [extra.name for extra in extras] == ["Alex Alpha"]  # the page hook goes on without the broken wrapper
        assert "plugin wrapping failed in copractice_register_extras" in caplog.text
        with pytest.raises(PluginFailure) as failure:
            get_plugins().collect("copractice_facilitator_check", member=create_member(), course=course)
        assert failure.value.plugin == "wrapping" and "list of checks is missing" in failure.value.error
    assert "the wrapper&#39;s list of checks is missing" in plugins_page(app)  # the last error is kept


def test_guarded_implementations_keep_their_argument_names(app):
    plugins = get_plugins(app)
    for caller in plugins.manager.get_hookcallers(plugins.manager.get_plugin("beta")):
        for impl in caller.get_hookimpls():
            if impl.plugin_name == "beta":
                original = getattr(calling_beta, caller.name)
                assert impl.function is not original and impl.function.__wrapped__ is original
                assert impl.argnames == tuple(inspect.signature(original).parameters)


def test_hookspecs_are_typed_the_way_pytests_are():
    for name in hook_names():
        spec = getattr(hookspecs, name)
        signature = inspect.signature(spec)
        assert signature.return_annotation is not inspect.Signature.empty, f"{name}: annotate what it returns"
        for param in signature.parameters.values():
            assert param.annotation is not inspect.Parameter.empty, f"{name}: annotate {param.name}"
            assert f":param {param.name}:" in spec.__doc__, f"{name}: document {param.name} with a :param line"
