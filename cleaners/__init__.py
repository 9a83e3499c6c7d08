"""boilerclean's cleaners: pure functions from text to removals (no I/O, no Prefect)."""

from .config import load_ruleset, ruleset_from_mapping
from .core import Removal, Status, apply_removals, restore
from .engine import CleanResult, clean_text, find_removals
from .ruleset import Ruleset
from .settings import ConfigError

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
