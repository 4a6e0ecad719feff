"""Old import paths keep working after the move to one shape per scheme (docs/architecture.md, "Moved").

Code outside the project (an editor's integration, scripts) may import ``tierspayant.fund.service`` or
``tierspayant.practice.service``; those names now live under ``tierspayant.schemes.lu_kin``. A meta-path finder
answers each old name with the module at its new place (the very same module object, not a copy).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from types import ModuleType

# old dotted path (under tierspayant.) → new dotted path; the longest old prefix wins
MOVED: dict[str, str] = {
    "fund.outbox": "core.outbox",
    "schemes.lu_kin.fund.outbox": "core.outbox",  # ``from tierspayant.fund import outbox`` looks here
    "fund": "schemes.lu_kin.fund",
    "practice": "schemes.lu_kin.practice",
    **{
        f"documents.{m}": f"schemes.lu_kin.practice.documents.{m}"
        for m in ("content", "titre", "memoire", "statement", "it_form")
    },
    "store.fund": "schemes.lu_kin.store.fund",
    "store.practice": "schemes.lu_kin.store.practice",
    "store.nurse": "schemes.be_nursing.store.nurse",
    "store.mutuality": "schemes.be_nursing.store.mutuality",
    "store.platform": "platform.store",
    "commands.kin": "schemes.lu_kin.commands.kin",
    "commands.fund": "schemes.lu_kin.commands.fund",
    "commands.practice": "schemes.lu_kin.commands.practice",
    "commands.be": "schemes.be_nursing.commands.nurse",
    "commands.be_refac": "schemes.be_nursing.commands.mutuality",
    "schemes.lu_kin.xml": "schemes.lu_kin.formats",
    **{f"schemes.lu_kin.{m}": f"schemes.lu_kin.formats.{m}" for m in ("models", "naming", "package", "xsd")},
    "schemes.be_nursing.atomic": "core.atomic",
    "schemes.be_nursing.refac": "schemes.be_nursing.mutuality",
    **{
        f"schemes.be_nursing.{m}": f"schemes.be_nursing.formats.{m}"
        for m in (
            *("zones", "records", "frames", "messages", "reply_writer"),
            *("checks", "columnar", "models", "error_codes", "data"),
        )
    },
    "platform.processing": "schemes.lu_kin.platform.engine",
    "platform.practice_desk": "schemes.lu_kin.platform.desk",
    "platform.demo": "schemes.lu_kin.platform.demo",
    "platform.sample_scan": "schemes.lu_kin.platform.sample_scan",
    "platform.web.practice_pages": "schemes.lu_kin.platform.pages",
}
_ROOT = "tierspayant."


def new_name(old: str) -> str | None:
    """The module's name today, or None when ``old`` did not move."""
    if not old.startswith(_ROOT):
        return None
    rest = old.removeprefix(_ROOT)
    for prefix in sorted(MOVED, key=len, reverse=True):
        if rest == prefix or rest.startswith(prefix + "."):
            return _ROOT + MOVED[prefix] + rest.removeprefix(prefix)
    return None


class _Alias(importlib.abc.Loader):
    def __init__(self, target: str) -> None:
        self.target = target
        self.spec: importlib.machinery.ModuleSpec | None = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Already executed at its new place; the import machinery replaced its spec, which is given back."""
        module.__spec__ = self.spec


class MovedFinder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        target_name = new_name(fullname)
        if target_name is None:
            return None
        try:
            importlib.util.find_spec(target_name)
        except ModuleNotFoundError:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Alias(target_name))


def install() -> None:
    if not any(isinstance(finder, MovedFinder) for finder in sys.meta_path):
        # First: an old name must not be found by the path finder inside its aliased parent (a second copy).
        sys.meta_path.insert(0, MovedFinder())
