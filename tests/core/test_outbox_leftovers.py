"""A crashed run's staged replies are published by the next run; a hidden file beside them (a reply body being
written when the run died) never is."""

from __future__ import annotations

from pathlib import Path

from tierspayant.core.outbox import publish_leftovers, staging_folder


def test_leftovers_are_published_and_hidden_files_are_not(tmp_path: Path) -> None:
    folder = staging_folder(tmp_path, "k")
    folder.mkdir()
    (folder / "a.920900").write_bytes(b"reply")
    (folder / ".draft-1").write_bytes(b"half a body")
    moved = publish_leftovers(tmp_path, "k")
    assert moved == [tmp_path / "a.920900"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.920900"]  # the draft went with its folder


def test_nothing_staged_nothing_published(tmp_path: Path) -> None:
    assert publish_leftovers(tmp_path, "absent") == []
