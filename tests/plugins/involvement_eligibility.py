"""A plugin for tests/test_involvement_eligibility.py: interviewers are 18 or over."""
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_involvement_eligibility(app, member, opportunity):
    if opportunity.role == "interviewer" and member.under_18:
        return ["Interviewers are 18 or over. Look at the reviewer and panel roles."]
    return []
