"""The packaged cleaners, found from their YAML files: adding `<name>.yaml` here adds a cleaner.

Each file's `priority:` orders the cleaners (lower first); when two cleaners match the same line,
the earlier one is credited with the removal. A file without `priority:` comes after every file
with one; ties go by name. No Python list to edit: the data is the registry.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

LAST = 1_000_000  # the priority of a packaged cleaner whose YAML gives none


class RegistryError(ValueError):
    """A packaged YAML file that is not a cleaner (a bug in the package, not in a user's config)."""


@lru_cache(maxsize=1)
def packaged_cleaners() -> tuple[tuple[str, str, Any], ...]:
    """(name, file label, parsed YAML) of every packaged cleaner, in priority order (parsed once)."""
    found = []
    for entry in resources.files(__package__).iterdir():
        if not entry.name.endswith(".yaml"):
            continue
        name, label = entry.name[: -len(".yaml")], f"cleaners/{entry.name}"
        try:
            raw = yaml.safe_load(entry.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise RegistryError(f"{label}: invalid YAML: {exc}") from None
        priority = raw.get("priority", LAST) if isinstance(raw, dict) else LAST
        if isinstance(priority, bool) or not isinstance(priority, int):
            raise RegistryError(f"{label}: priority: expected an integer, got {priority!r}")
        found.append((priority, name, label, raw))
    return tuple((name, label, raw) for _, name, label, raw in sorted(found, key=lambda f: f[:2]))


def __getattr__(attr: str) -> Any:
    # CLEANER_NAMES is worked out from the files on first use, not at import.
    if attr == "CLEANER_NAMES":
        return tuple(name for name, _, _ in packaged_cleaners())
    raise AttributeError(attr)
