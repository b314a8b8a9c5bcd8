"""What a plugin can add: widgets, settings, commands, page assets, facilitator rules, register extras,
and theme pages; and the rule that every hook has a test of its own."""
import inspect

import pytest
from sqlalchemy import select

from copractice import hookspecs
from copractice.audit import AuditEntry
from copractice.extensions import db
from copractice.plugin_models import PluginSetting
from tests.conftest import AuthActions, create_member, post_form
from tests.factories_courses import create_course


@pytest.fixture
def app_settings():
    return {"EXTRA_PLUGINS": ["platform=tests.plugins.platform_plugin", "sample=tests.plugins.sample_plugin"]}


@pytest.fixture
def enabled(runner):
    for name in ("platform", "sample"):
        assert runner.invoke(args=["plugins", "enable", name]).exit_code == 0


@pytest.fixture
def admin(app):
    client = app.test_client()
    with app.app_context():
        create_member(email="admin@example.org", role="admin", name="Ada Admin")
    AuthActions(client).login("admin@example.org")
    return client


def test_dashboard_widgets_show_on_the_account_page(app, admin, enabled):
    page = admin.get("/account").get_data(as_text=True)
    assert "Your reading settings" in page and "Greeting: Hello" in page


def test_settings_form_saves_per_plugin_and_is_audited(app, admin, enabled):
    form = admin.get("/admin/plugins/platform/settings").get_data(as_text=True)
    assert "Greeting shown to members" in form and "Text size" in form
    post_form(admin, "/admin/plugins/platform/settings", {"greeting": "Welcome", "size": "large"})
    with app.app_context():
        saved = dict(db.session.execute(select(PluginSetting.name, PluginSetting.value)).all())
        assert saved == {"greeting": "Welcome", "size": "large"}
        assert db.session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc())) == "plugin.settings_changed"
    assert "Greeting: Welcome" in admin.get("/account").get_data(as_text=True)
    assert admin.get("/admin/plugins/sample/settings").status_code == 404  # sample has no settings


def test_page_assets_add_stylesheets_and_body_classes(app, admin, enabled):
    page = admin.get("/").get_data(as_text=True)
    assert 'href="/platform/static/platform.css"' in page and '<body>' in page
    post_form(admin, "/admin/plugins/platform/settings", {"greeting": "Hi", "size": "large"})
    assert '<body class="reading-large">' in admin.get("/").get_data(as_text=True)
    assert admin.get("/platform/static/platform.css").status_code == 200


def test_cli_commands_run_only_while_the_plugin_is_enabled(app, runner):
    refused = runner.invoke(args=["platform-hello"])
    assert refused.exit_code != 0 and "the platform plugin is disabled" in refused.output
    runner.invoke(args=["plugins", "enable", "platform"])
    result = runner.invoke(args=["platform-hello"])
    assert result.exit_code == 0 and result.output == "hello from the platform plugin\n"


def test_facilitator_rule_refuses_assignment_with_the_reason(app, admin, enabled):
    with app.app_context():
        create_member(email="unchecked@example.org", name="Una Unchecked", role="facilitator")
    form = {"title": "Safe course", "summary": "s", "description": "", "theme_slug": "cross-cutting",
            "level": "introductory", "format": "online", "capacity": "5", "status": "draft",
            "facilitators": "unchecked@example.org", "lived_experience": ""}
    page = post_form(admin, "/manage/courses/new", form).get_data(as_text=True)
    assert "Una Unchecked cannot facilitate this course: they have no safeguarding check recorded" in page
    with app.app_context():
        assert db.session.query(db.Model.metadata.tables["course"]).count() == 0


def test_register_extras_are_listed_on_the_register(app, admin, enabled):
    with app.test_request_context():
        course = create_course()
        session_id = course.sessions[0].id
    page = admin.get(f"/manage/sessions/{session_id}/register").get_data(as_text=True)
    assert "Also coming (not taking a place)" in page and "Pat Companion – companion of Person 0" in page


def test_disabling_hides_the_plugin_everywhere_and_keeps_its_data(app, admin, enabled, runner):
    post_form(admin, "/admin/plugins/platform/settings", {"greeting": "Kept", "size": "normal"})
    runner.invoke(args=["plugins", "disable", "platform"])
    page = admin.get("/account").get_data(as_text=True)
    assert "Your reading settings" not in page and "platform.css" not in page
    assert admin.get("/platform/static/platform.css").status_code == 404
    runner.invoke(args=["plugins", "enable", "platform"])
    assert "Greeting: Kept" in admin.get("/account").get_data(as_text=True)


def test_theme_landing_page_shows_courses_resources_leads_and_sessions(app, client, enabled):
    from tests.test_library import add

    with app.test_request_context():
        create_course(title="Sample course", theme_slug="sample-theme")
        add(title="Sample guide", themes=("sample-theme",))
        create_member(name="Lena Lead", role="theme_lead", themes=("sample-theme",), organisation="Kent County Council")
    page = client.get("/themes/sample-theme").get_data(as_text=True)
    assert "<h1>Sample Theme</h1>" in page and "Sample course" in page and "Sample guide" in page
    assert "Lena Lead, Kent County Council" in page and "Coming up" in page
    assert "Sample Theme" in client.get("/themes").get_data(as_text=True)
    assert client.get("/themes/no-such-theme").status_code == 404


def test_theme_page_disappears_with_its_plugin(app, client, runner):
    assert client.get("/themes/sample-theme").status_code == 404  # installed, not enabled


def test_plugin_data_is_in_the_download_and_erased_with_the_account(app, client, runner):
    from tests.plugins import platform_plugin

    platform_plugin.ERASED.clear()
    with app.app_context():
        member_id = create_member(email="rights@example.org").id
    AuthActions(client).login("rights@example.org")
    # Installed plugins answer for their data even while disabled: rights do not depend on a switch.
    assert client.get("/account/data.json").get_json()["plugins"]["platform"] == {"favourite_colour": "green"}
    post_form(client, "/account/delete", {"password": "correct horse battery", "confirm": "y"})
    assert [member_id] == platform_plugin.ERASED


# Each hook and the test that exercises it. Adding a hookspec without a test here fails below.
HOOK_TESTS = {
    "copractice_themes": "tests/test_plugins_manager.py::test_enabling_shows_pages_nav_and_themes_to_a_fresh_request",
    "copractice_blueprints": "tests/test_plugins_manager.py::test_enabling_shows_pages_nav_and_themes_to_a_fresh_request",
    "copractice_nav_items": "tests/test_plugins_manager.py::test_page_adding_hook_that_raises_is_skipped_and_shown_on_the_plugins_page",
    "copractice_profile_fields": "tests/test_plugins_manager.py::test_plugin_profile_question_is_asked_stored_exported_and_erased",
    "copractice_migration_locations": "tests/test_migrations.py::test_plugin_branch_is_applied_by_the_same_upgrade_and_removed_by_downgrade",
    "copractice_course_saved": "tests/test_courses_enrolment.py::TestPluginRules::test_hooks_see_course_saves_and_enrolment_changes",
    "copractice_enrolment_check": "tests/test_courses_enrolment.py::TestPluginRules::test_a_crashing_rule_refuses_the_enrolment_and_is_logged",
    "copractice_enrolment_changed": "tests/test_courses_enrolment.py::TestPluginRules::test_hooks_see_course_saves_and_enrolment_changes",
    "copractice_attendance_marked": "tests/test_attendance.py::TestHooks::test_marked_completed_and_report_columns",
    "copractice_course_completed": "tests/test_attendance.py::TestHooks::test_marked_completed_and_report_columns",
    "copractice_report_columns": "tests/test_attendance.py::TestHooks::test_marked_completed_and_report_columns",
    "copractice_resource_types": "tests/test_library.py::TestResourceTypesHook::test_a_plugin_adds_a_type_with_an_extra_field",
    "copractice_dashboard_widgets": "tests/test_plugin_platform.py::test_dashboard_widgets_show_on_the_account_page",
    "copractice_settings_form": "tests/test_plugin_platform.py::test_settings_form_saves_per_plugin_and_is_audited",
    "copractice_cli_commands": "tests/test_plugin_platform.py::test_cli_commands_run_only_while_the_plugin_is_enabled",
    "copractice_page_assets": "tests/test_plugin_platform.py::test_page_assets_add_stylesheets_and_body_classes",
    "copractice_facilitator_check": "tests/test_plugin_platform.py::test_facilitator_rule_refuses_assignment_with_the_reason",
    "copractice_register_extras": "tests/test_plugin_platform.py::test_register_extras_are_listed_on_the_register",
    "copractice_member_data": "tests/test_plugin_platform.py::test_plugin_data_is_in_the_download_and_erased_with_the_account",
    "copractice_member_erased": "tests/test_plugin_platform.py::test_plugin_data_is_in_the_download_and_erased_with_the_account",
    "copractice_course_fields": "tests/test_course_fields.py::test_answers_are_stored_per_plugin_shown_on_the_page_and_audited",
    "copractice_certificate_wording":
        "tests/test_plugins_calling.py::test_firstresult_hook_takes_the_first_answer_and_skips_a_raising_plugin",
}
HOOK_TESTS.update({  # issue 14: the community's forum
    "copractice_spaces": "tests/test_community_spaces.py::test_a_plugin_brings_its_theme_space_once",
    "copractice_post_created":
        "tests/test_community_posting.py::test_post_created_hook_sees_published_posts_only_and_a_raising_one_is_skipped",
})

HOOK_TESTS["copractice_may_message"] = "tests/test_community_messages.py::test_a_plugin_rule_refuses_with_its_reason"


def test_every_hook_has_a_test_of_its_own():
    import importlib
    from pathlib import Path

    specs = {name for name in dir(hookspecs) if name.startswith("copractice_")}
    assert specs - set(HOOK_TESTS) == set(), "write a test for these hooks and list it in HOOK_TESTS"
    assert set(HOOK_TESTS) - specs == set(), "these hooks no longer exist"
    root = Path(__file__).parent.parent
    for hook, node in HOOK_TESTS.items():
        path, *names = node.split("::")
        module = importlib.import_module(path[:-3].replace("/", "."))
        target = module
        for name in names:
            target = getattr(target, name, None)
            assert target is not None, f"{hook}: {node} does not exist"
        assert callable(target) and (root / path).exists()
        source = inspect.getsource(module)
        plugin_used = hook in source or any(hook in p.read_text() for p in (root / "tests" / "plugins").glob("*.py"))
        assert plugin_used, f"{hook}: no test plugin implements it"

HOOK_TESTS["copractice_directory_fields"] = (  # issue 14 point 8
    "tests/test_community_directory.py::test_plugin_fields_are_asked_stored_per_plugin_shown_and_checked")
HOOK_TESTS["copractice_may_post"] = (  # issue 14 point 8: rules on who may post where (fails closed)
    "tests/test_community_safety.py::TestHooks::test_may_post_refuses_with_the_plugins_reason")
HOOK_TESTS["copractice_is_young"] = (  # issue 14 point 4: a plugin widens who counts as young (fails closed)
    "tests/test_community_safety.py::TestHooks::test_is_young_widens_who_is_protected")
HOOK_TESTS["copractice_flag_raised"] = (  # issue 14 point 8: the flag-raised event
    "tests/test_community_safety.py::TestHooks::test_flag_raised_is_told_and_a_crash_is_skipped")
HOOK_TESTS["copractice_organisation_fields"] = (  # issue 15 point 7: extra organisation fields
    "tests/test_partnerships_hooks.py::test_plugin_fields_are_asked_checked_stored_per_plugin_shown_and_exported")
HOOK_TESTS["copractice_organisation_saved"] = (  # issue 15 point 7: the organisation-saved event
    "tests/test_partnerships_hooks.py::test_organisation_saved_is_told_of_each_save_and_a_crash_is_skipped")
HOOK_TESTS["copractice_group_kinds"] = (  # issue 15 point 7: plugins add kinds of group
    "tests/test_meetings_groups.py::test_a_plugin_adds_a_kind_of_group_and_a_raising_one_is_skipped")
HOOK_TESTS["copractice_meeting_saved"] = (  # issue 15 point 7: the meeting-saved event
    "tests/test_meetings_meetings.py::test_meeting_saved_hook_is_told_of_each_change_and_a_raising_one_is_skipped")
HOOK_TESTS["copractice_action_changed"] = (  # issue 15 point 7: a meeting's action recorded or changed
    "tests/test_agenda_services.py::"
    "test_action_changed_hook_hears_creation_and_each_change_and_a_raising_plugin_is_skipped")
HOOK_TESTS["copractice_involvement_activity_types"] = (  # issue 17: plugins add kinds of involvement activity
    "tests/test_involvement_services.py::test_a_plugin_adds_an_activity_type_and_a_raising_one_is_skipped")
HOOK_TESTS["copractice_involvement_eligibility"] = (  # issue 17 point 9: plugins' eligibility rules
    "tests/test_involvement_eligibility.py::test_a_plugin_rule_refuses_interest_and_selection_with_its_reason")
HOOK_TESTS["copractice_impact_indicators"] = (  # issue 16 point 9: plugins add impact indicators
    "tests/test_measurement_impact.py::"
    "test_plugin_indicators_are_suppressed_by_the_core_and_a_raising_plugin_is_skipped")
HOOK_TESTS["copractice_survey_templates"] = (  # issue 16 point 9: plugins ship survey templates
    "tests/test_measurement_surveys.py::test_a_plugin_ships_a_template_and_a_raising_one_is_skipped")
