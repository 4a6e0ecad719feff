"""Belgian home nursing on the platform: eFact sendings in the nurses' mailboxes, REFAC (the mutuality's engine)
behind them, the mutuality agent's pages, the ``be`` command group and a demo nurse with a month of visits."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tierspayant.platform.schemes import AccountKind, CommandGroup, NavLink, Scheme, SchemeHost, SchemeRuntime
from tierspayant.schemes.be_nursing.formats.naming import PATTERN, is_sending_name

if TYPE_CHECKING:
    import typer

HERE = Path(__file__).parent


def start(host: SchemeHost) -> SchemeRuntime:
    from tierspayant.schemes.be_nursing.platform.runtime import start_be_nursing

    return start_be_nursing(host)


def _be() -> typer.Typer:
    from tierspayant.schemes.be_nursing.commands.nurse import app

    return app


SCHEME = Scheme(
    name="be_nursing",
    title="Belgian home nursing (MyCareNet eFact)",
    country="BE",
    languages=("fr", "nl"),
    account_kinds=(
        AccountKind("nurse", "Infirmier·ère à domicile / Thuisverpleegkundige"),
        AccountKind("nursing_group", "Groupement infirmier / Verpleegkundige groepering"),
        AccountKind("mutuality_agent", "Agent de la mutualité / Agent van het ziekenfonds"),
    ),
    file_names=PATTERN,
    recognises=is_sending_name,
    start=start,
    command_groups=(CommandGroup("be", "Belgian home nursing through MyCareNet eFact (nurse side and REFAC).", _be),),
    templates=HERE / "platform" / "templates",
    navigation=(
        NavLink("/nurse", "Patients", "nurse"),
        NavLink("/nurse/visits", "Visits", "visits"),
        NavLink("/nurse/sending", "Monthly sending", "sending"),
        NavLink("/nurse/replies", "Replies", "replies"),
        NavLink("/nurse/corrections", "To correct", "corrections"),
        NavLink("/nurse/reconciliation", "Reconciliation", "reconciliation"),
        NavLink("/mutuality/sendings", "Sending numbers", "sendings", "fund"),
        NavLink("/mutuality/rules", "Rules", "rules", "fund"),
        NavLink("/mutuality/messages", "MyCareNet messages", "messages", "fund"),
    ),
)
