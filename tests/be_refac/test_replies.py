"""The column-wise reply writer gives exactly the text of the format layer's record-by-record writer."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tierspayant.schemes.be_nursing import messages
from tierspayant.schemes.be_nursing.frames import read_sending
from tierspayant.schemes.be_nursing.refac import replies
from tierspayant.schemes.be_nursing.refac.replies import (
    ERRORS_SCHEMA,
    as_mapping,
    render_columnar,
    reply_comment,
    reply_comments,
)

from . import files
from .helpers import FIRST_VISIT, OTHER, PLAIN

LONG = "Hospitalisé à l'hôpital " + "é" * 250
ODD = "Cœur … “guillemets” ÿ"


@pytest.mark.parametrize("from_source", [True, False])
@pytest.mark.parametrize("chunk", [500_000, 3])
@pytest.mark.parametrize("damaged", [False, True])
@pytest.mark.parametrize("kind", ["920098", "920099", "920900"])
def test_columnar_reply_equals_the_record_by_record_writer(
    kind: str, damaged: bool, chunk: int, from_source: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(replies, "BODY_CHUNK_RECORDS", chunk)
    model = files.sending(
        files.invoice(PLAIN, files.service(FIRST_VISIT), files.service(424255, eid=False)),
        files.invoice(OTHER, files.service(FIRST_VISIT), number=2),
    )
    path = files.write(model, tmp_path)
    source = path.read_bytes() if from_source else b""
    sending = read_sending(path)
    if damaged:  # a truncated record and an accented one: the record-by-record path of the columnar writer
        raw = sending.raw.with_columns(
            pl.when(pl.col("record_type") == "80")
            .then(pl.col("line").str.head(200))
            .when(pl.col("record_type") == "52")
            .then(pl.lit("52é"))
            .otherwise(pl.col("line"))
            .alias("line")
        )
        sending = dataclasses.replace(sending, raw=raw)
    types = dict(sending.raw.select("record_index", "record_type").iter_rows())
    line = next(i for i, t in types.items() if t == "50")
    errors = pl.DataFrame(
        [
            (line, ["500545", "500444", "E301040"], LONG),
            (line + 1, ["500119"], ODD),
            (next(i for i, t in types.items() if t == "20"), ["200742"], "NISS inconnu"),
            (next(i for i, t in types.items() if t == "95"), ["999999"], "ignored on a 95"),
        ],
        schema=ERRORS_SCHEMA,
        orient="row",
    )
    totals = messages.SettlementTotals(
        mutuality_number=319,
        requested_account_a=3000,
        accepted_account_a=2000,
        rejected_account_a=1000,
        payment_date=date(2025, 4, 16),
    )
    header = messages.ReplyHeader(
        error_percentage=Decimal("4.55"),
        refusal_type=2 if kind == "920099" else None,
        settlement=[totals],
        settlement_total=totals,
    )
    expected = "\n".join(messages.render_reply(kind, sending, as_mapping(errors), header)) + "\n"  # type: ignore[arg-type]
    assert render_columnar(kind, sending, errors, header, source) == expected.encode("ascii", "replace").decode("ascii")


def test_reply_comments_column_wise_equal_the_one_by_one_folding() -> None:
    texts = [LONG, ODD, "facturée par 1", "", "Erreur dans l'enregistrement 12 du même jour", "é" * 199 + "…"]
    assert reply_comments(pl.Series(texts)).to_list() == [reply_comment(t) for t in texts]


def test_reply_comment_is_folded_and_cut_with_a_mark() -> None:
    assert reply_comment("Hospitalisé à") == "Hospitalise a"
    cut = reply_comment(LONG)
    assert len(cut) == 200 and cut.endswith("...") and cut.isascii()
