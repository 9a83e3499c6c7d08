"""boilerclean's cleaners: pure functions from text to removals (no I/O, no Prefect).

The names below are imported on first use (PEP 562), not with the package: a module that needs one
part (the settings schema, the line miner) then does not pay for the rest (~0.09 s), and `run` starts
its workers' fork server before the cleaners are imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import load_ruleset, ruleset_from_mapping
    from .core import Removal, Status, apply_removals, restore
    from .engine import CleanResult, clean_text, find_removals
    from .ruleset import Ruleset
    from .settings import ConfigError

# name -> the module that defines it
_WHERE = {
    "CleanResult": ".engine",
    "ConfigError": ".settings",
    "Removal": ".core",
    "Ruleset": ".ruleset",
    "Status": ".core",
    "apply_removals": ".core",
    "clean_text": ".engine",
    "find_removals": ".engine",
    "load_ruleset": ".config",
    "restore": ".core",
    "ruleset_from_mapping": ".config",
}

__all__ = [
    "CleanResult",
    "ConfigError",
    "Removal",
    "Ruleset",
    "Status",
    "apply_removals",
    "clean_text",
    "find_removals",
    "load_ruleset",
    "restore",
    "ruleset_from_mapping",
]


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name], __name__), name)
    globals()[name] = value  # found here from now on, without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_WHERE})
