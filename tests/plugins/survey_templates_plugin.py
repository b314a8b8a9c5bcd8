"""A plugin for tests/test_measurement_surveys.py that ships a survey template (and raises when told to)."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2
RAISE = False


@hookimpl
def copractice_survey_templates(app):
    if RAISE:
        raise RuntimeError("this plugin's templates are broken")
    return [{"key": "carers_check_in", "title": "Carers' check-in", "kind": "evaluation", "sections": [
        {"title": "How it went", "questions": [
            {"key": "useful", "kind": "agreement", "text": "The session was useful.",
             "easy_read": "Was it good?", "required": True}]}]}]
