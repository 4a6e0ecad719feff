"""Belgian home nursing started on the platform: REFAC behind the mailboxes, the mutuality's pages, the demo."""

from __future__ import annotations

from dataclasses import dataclass

from tierspayant.platform.schemes import SchemeHost, SchemeRuntime
from tierspayant.schemes.be_nursing.platform import pages
from tierspayant.schemes.be_nursing.platform.demo import NurseDemo, ensure_nurse_demo
from tierspayant.schemes.be_nursing.platform.engine import RefacEngine, open_refac


@dataclass
class NursingRuntime(SchemeRuntime):
    """The running parts, reachable by tests as ``launch.scheme("be_nursing")``."""

    refac: RefacEngine | None = None
    demo: NurseDemo | None = None


def start_be_nursing(host: SchemeHost) -> NursingRuntime:
    refac = open_refac(host.database_url("mutuality"))
    demo = ensure_nurse_demo(host.context) if host.settings.demo else None
    return NursingRuntime(
        engine=refac,
        routers=[pages.router],
        app_state={"refac": refac},
        demo_lines=[] if demo is None or not demo.accounts else demo.lines(),
        close=refac.close,
        refac=refac,
        demo=demo,
    )
