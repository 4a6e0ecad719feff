"""Several fee notes issued at once: the same pages and codes as one by one (``digital.batch``), every right and
note checked before anything is saved, the opted-in ones deposited and the others not."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from tierspayant.core.findings import FindingsError
from tierspayant.core.signing import SigningKey
from tierspayant.schemes.lu_doctors import FeeNote
from tierspayant.schemes.lu_doctors.digital.batch import render_batch
from tierspayant.schemes.lu_doctors.digital.fee_note_qr import shares_of, signed_qr_text
from tierspayant.schemes.lu_doctors.digital.keys import TEST_PSEUDONYMISATION_KEY, vector_signing_key
from tierspayant.schemes.lu_doctors.digital.pdf import render_fee_note
from tierspayant.schemes.lu_doctors.digital.reader import qr_texts_from_pdf
from tierspayant.schemes.lu_doctors.edocuments.model import Status
from tierspayant.schemes.lu_doctors.examples import generated_fee_notes
from tierspayant.schemes.lu_doctors.practice.feenotes_digital import Right
from tierspayant.schemes.lu_doctors.reference.digital import DigitalReference

from .conftest import Parties
from .helpers import ADULT, CHILD
from .test_walk import consultation
from .world import World, build_world

AT = datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_batch_gives_the_pages_and_codes_of_one_by_one() -> None:
    reference = DigitalReference.sample()
    key = SigningKey(vector_signing_key().private_key, "10234567")
    notes = generated_fee_notes(5, "10234567", "B")
    shares = [shares_of(note, reference) for note in notes]
    coded = {"B-000000", "B-000002", "B-000003"}  # the others carry no code (opted out)

    def sign(note: FeeNote, share: object) -> str | None:
        return signed_qr_text(note, share, TEST_PSEUDONYMISATION_KEY, key, AT) if note.fee_note_id in coded else None  # type: ignore[arg-type]

    batch = render_batch(notes, shares, sign, lambda note: "Dr Batch")
    for note, share, page in zip(notes, shares, batch, strict=True):
        text = sign(note, share)
        assert page.qr_text == text
        assert page.pdf == render_fee_note(note, share, text, "Dr Batch")  # the very same page
        assert qr_texts_from_pdf(page.pdf) == ([text] if text else [])


@pytest.fixture
def world(parties: Parties, other_url: Callable[[str], str]) -> Iterator[World]:
    built = build_world(parties, other_url, {ADULT: True, CHILD: False})
    yield built
    built.close()


def test_issue_many_deposits_the_opted_in_and_not_the_others(world: World) -> None:
    notes = [consultation(world, "FN-B1"), consultation(world, "FN-B2", CHILD), consultation(world, "FN-B3")]
    issued = world.doctor.issue_many(notes)
    assert [i.fee_note.fee_note_id for i in issued] == ["FN-B1", "FN-B2", "FN-B3"]
    assert [i.receipt is not None for i in issued] == [True, False, True]
    assert all(i.receipt.status is Status.AVAILABLE for i in issued if i.receipt is not None)
    assert [len(qr_texts_from_pdf(i.pdf)) for i in issued] == [1, 0, 1]  # the opted-out note has no code
    world.doctor.refresh()
    assert {(row.fee_note_id, row.with_qr) for row in world.doctor.statuses()} == {
        ("FN-B1", True), ("FN-B2", False), ("FN-B3", True)
    }


def test_issue_many_checks_every_right_before_saving_any_note(world: World) -> None:
    world.doctor.grant("paul.assistant", {Right.PREPARE})  # may prepare, not sign or send
    with pytest.raises(FindingsError) as refused:
        world.assistant.issue_many([consultation(world, "FN-B4", CHILD), consultation(world, "FN-B5")])
    assert refused.value.findings[0].code == "DOC-DELEGATION"
    assert world.practice.fee_note("FN-B4") is None and world.practice.fee_note("FN-B5") is None
    # only opted-out notes: preparing is enough
    [issued] = world.assistant.issue_many([consultation(world, "FN-B4", CHILD)])
    assert issued.receipt is None and qr_texts_from_pdf(issued.pdf) == []
