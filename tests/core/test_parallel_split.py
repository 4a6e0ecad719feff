"""``core.parallel.split_points``: cuts just after a record's end, strictly increasing, inside the range; the last
range ``last_share`` times the others (the part read in the calling process, which sends no frames back)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierspayant.core.parallel import split_points

MARKER = b"</R>"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sizes=st.lists(st.integers(0, 300), min_size=1, max_size=60),
    parts=st.integers(1, 5),
    share=st.sampled_from([1.0, 1.1, 1.5]),
)
def test_cuts_fall_just_after_a_record_in_increasing_order(
    sizes: list[int], parts: int, share: float, tmp_path_factory: pytest.TempPathFactory
) -> None:
    data = b"<root>" + b"".join(b"<R>" + b"x" * size + MARKER for size in sizes) + b"</root>"
    path = tmp_path_factory.mktemp("split") / "f.xml"
    path.write_bytes(data)
    points = split_points(path, 6, len(data), parts, MARKER, share)
    assert len(points) <= parts - 1 if parts > 1 else points == []
    assert points == sorted(set(points))
    assert all(6 < p < len(data) and data[p - len(MARKER) : p] == MARKER for p in points)


def test_the_last_part_gets_its_larger_share(tmp_path: Path) -> None:
    data = b"<root>" + b"<R>xxxxxxxxxxxx</R>" * 10_000 + b"</root>"
    path = tmp_path / "f.xml"
    path.write_bytes(data)
    (even,) = split_points(path, 6, len(data), 2, MARKER)
    (shifted,) = split_points(path, 6, len(data), 2, MARKER, last_share=1.5)
    assert abs(even - len(data) / 2) < 40  # two halves
    assert abs(shifted - len(data) / 2.5) < 40  # 1 : 1.5
