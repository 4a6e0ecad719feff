"""Several replies written at once (``formats.reply_files``, both cores) give the oracle's bytes, reply by reply, on
clean and damaged sendings, with and without the received bytes, in small and large chunks; a failure leaves no
file behind."""

from __future__ import annotations

import errno
import mmap
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE
from tierspayant.schemes.be_nursing.formats import reply_draft, reply_files
from tierspayant.schemes.be_nursing.formats.frames import read_sending
from tierspayant.schemes.be_nursing.formats.reply_files import ReplyRequest, draft_replies, write_replies
from tierspayant.schemes.be_nursing.formats.reply_writer import ANNOTATED_KINDS, ReplyHeader

from .test_reply_writer import CODES, COMMENTS, DAMAGES, GENERATED, HEADER, KINDS, damaged, oracle

SAID = st.dictionaries(
    st.integers(1, 130), st.tuples(st.lists(st.sampled_from(CODES), max_size=3, unique=True), COMMENTS), max_size=12
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kinds=st.lists(st.sampled_from(KINDS), min_size=1, max_size=4),
    base=st.sampled_from(["sample", "generated"]),
    damage=st.sampled_from(DAMAGES),
    chunk=st.sampled_from([1, 3, 8_192]),
    from_source=st.booleans(),
    drafted=st.booleans(),
    said=st.lists(SAID, min_size=4, max_size=4),
)
def test_every_reply_is_the_oracles_bytes(
    kinds: list[str],
    base: str,
    damage: str,
    chunk: int,
    from_source: bool,
    drafted: bool,
    said: list[dict[int, tuple[list[str], str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data = damaged(SAMPLE_FILE.read_bytes() if base == "sample" else GENERATED, damage)
    sending = read_sending(data, "920000.txt")
    folder = tmp_path_factory.mktemp("replies")
    requests = [ReplyRequest(kind, said[n], HEADER, folder / f"{n}.{kind}") for n, kind in enumerate(kinds)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reply_files, "CHUNK_RECORDS", chunk)
        patch.setattr(reply_draft, "CHUNK_RECORDS", chunk)
        # a draft is started from the bytes as read: without them there is none, and the replies must not use it
        draft = draft_replies(sending, data, folder) if drafted else None
        paths = write_replies(sending, requests, data if from_source else b"", draft=draft)
    assert paths == [r.destination for r in requests]
    if draft is not None and from_source:  # the body written ahead became the replies (as many as it has copies)
        annotated = sum(1 for r in requests if r.kind in ANNOTATED_KINDS)
        assert draft.used == min(annotated, reply_draft.COPIES)
    for request in requests:
        assert request.destination.read_bytes() == oracle(request.kind, sending, request.errors, HEADER)  # type: ignore[arg-type]
    assert sorted(p.name for p in folder.iterdir()) == sorted(r.destination.name for r in requests)


def test_a_failing_reply_leaves_none_of_them(tmp_path: Path) -> None:
    data = SAMPLE_FILE.read_bytes()
    sending = read_sending(data, "920000.txt")
    broken = ReplyHeader(segment_errors={"300": {"no_such_zone": 1}})
    requests = [
        ReplyRequest("931000", None, None, tmp_path / "a.931000"),
        ReplyRequest("920098", {5: (["500545"], "x")}, HEADER, tmp_path / "a.920098"),
        ReplyRequest("920900", None, broken, tmp_path / "a.920900"),
    ]
    with pytest.raises(KeyError):
        write_replies(sending, requests, data)
    assert list(tmp_path.iterdir()) == []


def test_bad_errors_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    data = SAMPLE_FILE.read_bytes()
    sending = read_sending(data, "920000.txt")
    requests = [
        ReplyRequest("920098", None, None, tmp_path / "a.920098"),
        ReplyRequest("920900", {5: (["1", "2", "3", "4"], "")}, None, tmp_path / "a.920900"),
    ]
    with pytest.raises(ValueError, match="at most 3"):
        write_replies(sending, requests, data)
    assert list(tmp_path.iterdir()) == []


def test_a_disk_error_in_a_writer_thread_is_raised_and_leaves_nothing(tmp_path: Path) -> None:
    data = GENERATED
    sending = read_sending(data, "920000.txt")
    requests = [ReplyRequest(k, None, HEADER, tmp_path / f"a.{k}") for k in ("920098", "920900")]

    class Full(reply_files._Writer):  # the disk fills up under the second file, after its first chunks
        def _open(self) -> BinaryIO:
            out = super()._open()
            if not self.temporary.name.startswith(".a.920900"):
                return out
            written = 0

            def write(chunk: bytes) -> int:
                nonlocal written
                written += len(chunk)
                if written > 5_000:
                    raise OSError(errno.ENOSPC, "No space left on device")
                return type(out).write(out, chunk)

            out.write = write  # type: ignore[method-assign,assignment]
            return out

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reply_files, "_Writer", Full)
        patch.setattr(reply_files, "CHUNK_RECORDS", 2)
        with pytest.raises(OSError, match="No space left"):
            write_replies(sending, requests, data)
    assert list(tmp_path.iterdir()) == []


def test_a_draft_is_taken_only_from_bytes_as_read(tmp_path: Path) -> None:
    clean = read_sending(GENERATED, "920000.txt")
    assert draft_replies(clean, b"", tmp_path) is None  # no received bytes: nothing to write ahead
    stripped = GENERATED.replace(b"\n", b"\r\n")  # the records are no longer the file's bytes as they are
    assert draft_replies(read_sending(stripped, "920000.txt"), stripped, tmp_path) is None
    draft = draft_replies(clean, GENERATED, tmp_path)
    assert draft is not None
    draft.discard()
    assert list(tmp_path.iterdir()) == []  # a discarded draft leaves nothing


REPLY_SETS = [("920098", "920900"), ("920099",), ("931000", "920900"), ("920098", "920099", "920900")]


@pytest.mark.parametrize("kinds", REPLY_SETS)
@pytest.mark.parametrize("window", [reply_draft.PATCH_WINDOW, mmap.ALLOCATIONGRANULARITY])
def test_drafted_replies_are_the_oracles_bytes(kinds: tuple[str, ...], window: int, tmp_path: Path) -> None:
    sending = read_sending(GENERATED, "920000.txt")
    rows = [3, 4, 5, 9, 40, 41, 57, sending.raw.height - 3]  # neighbours: a part straddles a small window's end
    said = {row: (["200742", "202720"][: 1 + row % 2], "à revoir" if row % 3 else "") for row in rows}
    requests = [ReplyRequest(k, said, HEADER, tmp_path / f"a.{k}") for k in kinds]
    draft = draft_replies(sending, GENERATED, tmp_path)
    assert draft is not None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reply_draft, "PATCH_WINDOW", window)
        write_replies(sending, requests, GENERATED, draft=draft)
    assert draft.used == min(sum(1 for k in kinds if k in ANNOTATED_KINDS), reply_draft.COPIES)
    for request in requests:
        assert request.destination.read_bytes() == oracle(request.kind, sending, request.errors, HEADER)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"a.{k}" for k in kinds)


def test_a_draft_that_failed_is_not_used_and_the_replies_are_right(tmp_path: Path) -> None:
    data = GENERATED
    sending = read_sending(data, "920000.txt")
    said = {3: (["500545"], "x"), 40: (["200742"], "")}
    requests = [ReplyRequest(k, said, HEADER, tmp_path / f"a.{k}") for k in ("920098", "920900")]

    class Full(reply_draft.ReplyDraft):  # the disk fills up under the drafted copies
        def _open(self, path: Path) -> BinaryIO:
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reply_files, "ReplyDraft", Full)
        draft = draft_replies(sending, data, tmp_path)
    assert draft is not None
    write_replies(sending, requests, data, draft=draft)
    assert draft.used == 0
    for request in requests:
        assert request.destination.read_bytes() == oracle(request.kind, sending, request.errors, HEADER)  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.920098", "a.920900"]
