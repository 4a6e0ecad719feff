"""Several replies written at once (``formats.reply_files``, both cores) give the oracle's bytes, reply by reply, on
clean and damaged sendings, with and without the received bytes, in small and large chunks; a failure leaves no
file behind."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import BinaryIO

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.schemes.be_nursing.examples import SAMPLE_FILE
from tierspayant.schemes.be_nursing.formats import reply_files
from tierspayant.schemes.be_nursing.formats.frames import read_sending
from tierspayant.schemes.be_nursing.formats.reply_files import ReplyRequest, write_replies
from tierspayant.schemes.be_nursing.formats.reply_writer import ReplyHeader

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
    said=st.lists(SAID, min_size=4, max_size=4),
)
def test_every_reply_is_the_oracles_bytes(
    kinds: list[str],
    base: str,
    damage: str,
    chunk: int,
    from_source: bool,
    said: list[dict[int, tuple[list[str], str]]],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data = damaged(SAMPLE_FILE.read_bytes() if base == "sample" else GENERATED, damage)
    sending = read_sending(data, "920000.txt")
    folder = tmp_path_factory.mktemp("replies")
    requests = [ReplyRequest(kind, said[n], HEADER, folder / f"{n}.{kind}") for n, kind in enumerate(kinds)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(reply_files, "CHUNK_RECORDS", chunk)
        paths = write_replies(sending, requests, data if from_source else b"")
    assert paths == [r.destination for r in requests]
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
