"""Old import paths still give the very same modules and classes at their new place (``tierspayant.moved``)."""

from __future__ import annotations

import importlib

import pytest

from tierspayant.moved import MOVED, new_name


@pytest.mark.parametrize("old", sorted(MOVED))
def test_every_old_path_is_the_module_at_its_new_place(old: str) -> None:
    new = f"tierspayant.{MOVED[old]}"
    moved = importlib.import_module(f"tierspayant.{old}")
    assert moved is importlib.import_module(new)
    assert moved.__spec__ is not None and moved.__spec__.name == new  # the real module keeps its own spec


def test_submodules_and_names_of_a_moved_package() -> None:
    from tierspayant.fund import outbox
    from tierspayant.fund.service import FundService
    from tierspayant.practice.service import PracticeService
    from tierspayant.schemes.be_nursing.refac.service import RefacService

    from tierspayant.schemes.lu_kin import FundService as Fund
    from tierspayant.schemes.lu_kin import PracticeService as Practice

    assert (FundService, PracticeService) == (Fund, Practice)
    assert RefacService.__module__ == "tierspayant.schemes.be_nursing.mutuality.service"
    assert outbox.__name__ == "tierspayant.core.outbox"


def test_names_that_did_not_move_are_left_alone() -> None:
    assert new_name("tierspayant.core.money") is None
    assert new_name("tierspayant.fundamentals") is None  # a prefix only counts up to a dot
    assert new_name("tierspayant.fund.service") == "tierspayant.schemes.lu_kin.fund.service"
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tierspayant.fund.no_such_module")
