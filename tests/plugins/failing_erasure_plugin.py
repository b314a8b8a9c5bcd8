"""A plugin whose erasure and export crash part-way: erasure must stop with nothing changed, the export go on."""
from sqlalchemy import delete

from copractice.extensions import db
from copractice.plugin_api import hookimpl

COPRACTICE_REQUIRES = ">=0.1,<1"
COPRACTICE_HOOKSPEC_VERSION = 2


@hookimpl
def copractice_member_erased(app, member):
    from copractice.members.models import ConsentEvent

    # Half the work is done before the crash: the rollback must undo it too.
    db.session.execute(delete(ConsentEvent).where(ConsentEvent.member_id == member.id))
    raise ConnectionError("the plugin's records service is unreachable")


@hookimpl
def copractice_member_data(app, member):
    raise ConnectionError("the plugin's records service is unreachable")
