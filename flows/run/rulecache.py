"""The compiled ruleset cached on disk: a process starts from a pickle (~0.03 s) instead of YAML and regex
compilation (~1.6 s), and pool workers get it once each, by path (DIR/.boilerclean/ruleset-HASH.pickle
while the run lasts), rather than with every batch.

The cache key is the content of everything a ruleset is built from (the config file, the packaged YAML
and the cleaners' code) and the versions of Python and the compiled libraries, so an edit of any of
them builds a new entry. The cache is the user's own folder (BOILERCLEAN_CACHE_DIR, else
$XDG_CACHE_HOME/boilerclean or ~/.cache/boilerclean); a cache that cannot be read or written is
skipped, never an error.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import cleaners
from cleaners import Ruleset, load_ruleset

from ..outputs.atomic import atomic_write

_LIBRARIES = ("regex", "ahocorasick-rs", "pyyaml")


def cache_dir() -> Path:
    if os.environ.get("BOILERCLEAN_CACHE_DIR"):
        return Path(os.environ["BOILERCLEAN_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "boilerclean"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def ruleset_key(config: str | None) -> str:
    """A digest of the ruleset's sources (config text, packaged YAML, cleaners' code) and library versions."""
    h = hashlib.sha256(f"{platform.python_version()} {pickle.HIGHEST_PROTOCOL}".encode())
    for name in _LIBRARIES:
        h.update(f"{name}={_version(name)};".encode())
    package = Path(cleaners.__file__).parent
    for path in sorted([*package.glob("*.py"), *package.glob("*.yaml")]):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    if config is not None:
        h.update(b"config\0" + Path(config).read_bytes())
    return h.hexdigest()[:32]


def cached_load_ruleset(config: str | None = None) -> Ruleset:
    """load_ruleset(config), from the on-disk cache when an entry for the same sources is there."""
    try:
        path = cache_dir() / f"ruleset-{ruleset_key(config)}.pickle"
    except OSError:  # the config cannot be read: load_ruleset says so as a ConfigError
        return load_ruleset(config)
    ruleset = _read(path)
    if ruleset is None:
        ruleset = load_ruleset(config)  # raises ConfigError: nothing is cached for a bad config
        try:
            atomic_write(path, pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
        except OSError:
            return ruleset  # a read-only home: the next run compiles again
    _ENTRIES.clear()  # the last one loaded: a run's
    _ENTRIES[str(path)] = ruleset
    return ruleset


# The entry cached_load_ruleset returned last, by path: a RulesetFile of that very ruleset names it, and a
# worker that warmed up with the entry uses its copy instead of reading the file.
_ENTRIES: dict[str, Ruleset] = {}


def cached_ruleset(config: str | None = None) -> Ruleset | None:
    """The cache's entry for `config`, or None: never compiled here. Read once per process (a warm-up's):
    a pool worker forked from the run, or from its fork server, finds that process's entry in memory, and
    the run's own process takes the entry it loaded (cached_load_ruleset) instead of reading it again."""
    try:
        path = str(cache_dir() / f"ruleset-{ruleset_key(config)}.pickle")
    except OSError:
        return None
    if path not in _WARM:
        ruleset = _ENTRIES.get(path) or _read(Path(path))  # the run's own, when it loaded that entry
        if ruleset is None:
            return None
        while len(_WARM) >= 2:  # the fork server's (the defaults) and the run's
            del _WARM[next(iter(_WARM))]
        _WARM[path] = ruleset
    return _WARM[path]


# Cache entries read by cached_ruleset in this process, by path (each names its sources' digest).
_WARM: dict[str, Ruleset] = {}


def _read(path: Path) -> Ruleset | None:
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        ruleset = pickle.loads(data)
    except Exception:  # noqa: BLE001 - a torn or foreign entry is rebuilt, never trusted
        return None
    return ruleset if isinstance(ruleset, Ruleset) else None


class RulesetFile:
    """A run's ruleset pickled once into the output folder's bookkeeping folder; pool workers load it once
    each, by path. A fixed name per ruleset: a killed run leaves one file, which the next run replaces."""

    def __init__(self, ruleset: Ruleset, out_dir: str) -> None:
        self.path = os.path.join(out_dir, ".boilerclean", f"ruleset-{ruleset.hash[:16]}.pickle")
        atomic_write(self.path, pickle.dumps(ruleset, protocol=pickle.HIGHEST_PROTOCOL))
        entry = next((path for path, loaded in _ENTRIES.items() if loaded is ruleset), None)
        self.ref = RulesetRef(self.path, ruleset.hash, entry)

    def close(self) -> None:
        try:
            os.unlink(self.path)  # written by this run
        except FileNotFoundError:
            pass


class RulesetRef:
    """What a batch carries instead of the ruleset: where it is, and its hash (checked on load)."""

    def __init__(self, path: str, ruleset_hash: str, entry: str | None = None) -> None:
        self.path, self.hash = path, ruleset_hash
        self.entry = entry  # the cache entry's path, when the ruleset is that entry as loaded

    def resolve(self) -> Ruleset:
        key = (self.path, self.hash)
        if key not in _LOADED:
            # The cache entry the run loaded, as this worker's warm-up read it (or its fork server's):
            # ~0.05 s and its memory saved a worker. Else (a dry run, a repeated-line table): the file.
            ruleset = _WARM.get(self.entry) if self.entry else None
            if ruleset is None or ruleset.hash != self.hash:
                ruleset = pickle.loads(Path(self.path).read_bytes())
            if ruleset.hash != self.hash:
                raise RuntimeError(f"{self.path}: holds another ruleset than this run's")
            _LOADED.clear()  # one run's ruleset per worker process
            _LOADED[key] = ruleset
        return _LOADED[key]


_LOADED: dict[tuple[str, str], Any] = {}


def resolve_ruleset(ruleset: Ruleset | RulesetRef) -> Ruleset:
    return ruleset.resolve() if isinstance(ruleset, RulesetRef) else ruleset
