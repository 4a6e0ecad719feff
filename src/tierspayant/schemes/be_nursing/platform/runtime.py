"""Belgian home nursing started on the platform: REFAC behind the mailboxes, the mutuality's pages, the nursing
group's ledger (its own store) with the nurse pages, and the demo."""

from __future__ import annotations

from dataclasses import dataclass

from tierspayant.platform.schemes import SchemeHost, SchemeRuntime
from tierspayant.schemes.be_nursing.nurse.ledger import NurseLedger
from tierspayant.schemes.be_nursing.nurse.visits import VisitBook, load_book
from tierspayant.schemes.be_nursing.platform import nurse_pages, pages
from tierspayant.schemes.be_nursing.platform.demo import VISIT_BOOK, NurseDemo, ensure_nurse_demo
from tierspayant.schemes.be_nursing.platform.engine import RefacEngine, open_refac
from tierspayant.schemes.be_nursing.platform.nurse_desk import NurseDesk


@dataclass
class NursingRuntime(SchemeRuntime):
    """The running parts, reachable by tests as ``launch.scheme("be_nursing")``."""

    refac: RefacEngine | None = None
    demo: NurseDemo | None = None
    nurse: NurseDesk | None = None


def start_be_nursing(host: SchemeHost) -> NursingRuntime:
    refac = open_refac(host.database_url("mutuality"))
    demo = ensure_nurse_demo(host.context) if host.settings.demo else None
    ledger = NurseLedger(host.database_url("nurse"))
    desk = None
    if demo is not None:
        # the demo group's software: its patients (the example book's) are known, its visits are to be recorded
        book = load_book(VISIT_BOOK)
        ledger.record_book(VisitBook(group=book.group, patients=book.patients, visits=[]))
        desk = NurseDesk(ledger, host.context, book.group, host.settings.documents_dir / "nurse")

    def close() -> None:
        refac.close()
        ledger.engine.dispose()

    return NursingRuntime(
        engine=refac,
        routers=[pages.router, nurse_pages.router],
        app_state={"refac": refac, "nurse_desk": desk},
        demo_lines=[] if demo is None or not demo.accounts else demo.lines(),
        close=close,
        refac=refac,
        demo=demo,
        nurse=desk,
    )
