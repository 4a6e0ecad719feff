"""The doctors' device flat rates started on the platform: the CNS register and adjudication behind the mailboxes,
the doctors' practice (an association of gynaecologists in the demo) with its pages, and the CNS agent's register."""

from __future__ import annotations

from dataclasses import dataclass

from tierspayant.platform.schemes import SchemeHost, SchemeRuntime
from tierspayant.schemes.lu_doctors.formats.fee_note import FeeNote
from tierspayant.schemes.lu_doctors.fund.service import DeviceFund
from tierspayant.schemes.lu_doctors.platform import pages
from tierspayant.schemes.lu_doctors.platform.demo import DoctorsDemo, ensure_doctors_demo
from tierspayant.schemes.lu_doctors.platform.digital import start_digital
from tierspayant.schemes.lu_doctors.platform.engine import DoctorsFundEngine
from tierspayant.schemes.lu_doctors.practice.devices import DeviceDesk
from tierspayant.schemes.lu_doctors.practice.service import DoctorsPractice


@dataclass
class DoctorsRuntime(SchemeRuntime):
    """The running parts, reachable by tests as ``launch.scheme("lu_doctors")``."""

    fund: DeviceFund | None = None
    desk: DeviceDesk | None = None
    demo: DoctorsDemo | None = None


def start_lu_doctors(host: SchemeHost) -> DoctorsRuntime:
    # each party its own database, named apart from the physiotherapy scheme's fund and practice
    fund = DeviceFund(host.database_url("doctors_fund"))
    fund.init()
    practice = DoctorsPractice(host.database_url("doctors_practice"), fund.reference)
    practice.init()
    desk = DeviceDesk(practice)
    demo = ensure_doctors_demo(host.context, practice) if host.settings.demo else None
    digital = start_digital(host)  # issue 14: the eDocuments vault and the fund's digital fee-note store

    def patient_note_to_fund(note: FeeNote) -> None:
        """The patient's fee note reaching the CNS (its digital copy, or the patient's claim): what a third-party
        flat rate is matched against. On the platform it is delivered at once."""
        fund.record_patient_acts(note)

    def close() -> None:
        practice.engine.dispose()
        fund.engine.dispose()
        digital.close()

    return DoctorsRuntime(
        engine=DoctorsFundEngine(fund),
        routers=[pages.router, *digital.routers],
        app_state={
            "lu_doctors_fund": fund,
            "lu_doctors_desk": desk,
            "lu_doctors_patient_note": patient_note_to_fund,
            "lu_doctors_edocuments": digital.vault,
        },
        demo_lines=([] if demo is None else demo.lines()) + digital.demo_lines,
        close=close,
        fund=fund,
        desk=desk,
        demo=demo,
    )
