"""A reviewer's decisions on a run, and the config change that enacts them.

Decisions (a removal, a rule or a distinct line marked right or wrong) are stored beside the run in
DIR/.boilerclean/decisions.json, so a review can stop and resume. They become a change to the user
config: a rejected line a `keep:` pattern (exact, escaped, anchored), a rejected removal the same
pattern scoped to its file's folder (a per-source keep), a rejected rule `disable_rules:` (or, for a
per-source rule, `mode: shadow`), an approved rule `confidence: certain`. The config is written only
by write_config(), after it validates with the cleaners' own loader, keeping a backup.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import io
import json
import os
import re
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.error import YAMLError

from cleaners import ConfigError, load_ruleset, ruleset_from_mapping

from ..outputs.atomic import atomic_write

DECISIONS = Path(".boilerclean") / "decisions.json"
VERDICTS = ("approve", "reject")
KINDS = ("line", "rule", "removal")


class DecisionError(ValueError):
    """A decision or a config write the server refuses, with a message for the reviewer."""


def _yaml() -> YAML:
    """Round-trip YAML (ruamel, already required by Prefect): the user's comments, order and quoting stay."""
    y = YAML()
    y.preserve_quotes = True
    y.width = 4096
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def decision_key(d: dict) -> str:
    """One decision per thing decided: a later verdict on the same line, rule or removal replaces it."""
    if d["kind"] == "line":
        return f"line:{d['text']}"
    if d["kind"] == "rule":
        return f"rule:{d['cleaner']}/{d['rule']}"
    return f"removal:{d['input']}#{d['idx']}"


class Decisions:
    """The decisions of one run, saved atomically after every change."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / DECISIONS
        self.lock = threading.Lock()
        try:
            self.items: dict[str, dict] = json.loads(self.path.read_text(encoding="utf-8"))["decisions"]
        except FileNotFoundError:
            self.items = {}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise DecisionError(f"{self.path}: cannot read: {exc}") from None

    def set(self, d: dict) -> None:
        """Record a verdict ("approve", "reject", or "clear" to forget it)."""
        key = decision_key(d)
        with self.lock:
            if d["verdict"] == "clear":
                self.items.pop(key, None)
            else:
                self.items[key] = d
            self.path.parent.mkdir(exist_ok=True)
            atomic_write(self.path, json.dumps({"decisions": self.items}, ensure_ascii=False, indent=1))

    def verdict(self, d: dict) -> str:
        return self.items.get(decision_key(d), {}).get("verdict", "")


def exact_line_pattern(line: str) -> str:
    """A keep pattern matching exactly this (stripped) line and nothing else."""
    return "^" + re.escape(line) + "$"


def folder_glob(folder: str) -> str:
    """A folder name as a `match: {folder: ...}` glob that matches only itself."""
    return re.sub(r"([*?\[])", r"[\1]", folder)


@dataclass
class Proposal:
    """The user config before and after the decisions, and what could not be enacted."""

    old_text: str
    base: dict  # the config as it is (with `version` if it had none)
    new: dict
    notes: list[str] = field(default_factory=list)

    @property
    def new_text(self) -> str:
        buf = io.StringIO()
        _yaml().dump(self.new, buf)
        return buf.getvalue()

    @property
    def old_hash(self) -> str:
        return hashlib.sha256(self.old_text.encode("utf-8")).hexdigest()

    def diff(self, name: str) -> str:
        old = self.old_text.splitlines(keepends=True)
        new = self.new_text.splitlines(keepends=True) if self.changed else old
        return "".join(difflib.unified_diff(old, new, f"{name} (now)", f"{name} (with the decisions)"))

    @property
    def changed(self) -> bool:
        return self.new != self.base


def propose(config: Path | None, decisions: dict[str, dict]) -> Proposal:
    """The config change that enacts the decisions, applied to a copy of the user config."""
    old_text = config.read_text(encoding="utf-8") if config and config.exists() else ""
    try:
        old = _yaml().load(old_text) or CommentedMap()
    except YAMLError as exc:
        raise DecisionError(f"{config}: not valid YAML: {exc}") from None
    if not isinstance(old, CommentedMap):
        raise DecisionError(f"{config}: not a mapping at the top level")
    if "version" not in old:
        old.insert(0, "version", 1)
    p = Proposal(old_text, old, copy.deepcopy(old))
    for d in sorted(decisions.values(), key=decision_key):
        _enact(p, d)
    return p


def _enact(p: Proposal, d: dict) -> None:
    if d["kind"] == "line" and d["verdict"] == "reject":
        _append(p.new, "keep", exact_line_pattern(d["text"]))
    elif d["kind"] == "removal" and d["verdict"] == "reject":
        for line in d.get("lines") or []:
            _keep_in_source(p.new, d.get("source", "."), exact_line_pattern(line))
    elif d["kind"] == "rule" and d["verdict"] == "reject":
        _disable_rule(p, d["cleaner"], d["rule"])
    elif d["kind"] == "rule" and d["verdict"] == "approve":
        promote_rule(p, d["cleaner"], d["rule"])


def _append(mapping: dict, key: str, value: str) -> None:
    items = mapping.setdefault(key, [])
    if value not in items:
        items.append(value)


def _keep_in_source(new: dict, source: str, pattern: str) -> None:
    """A keep pattern for one folder's documents only (a file at the top of the run: for all)."""
    if source in ("", "."):
        _append(new, "keep", pattern)
        return
    glob = folder_glob(source)
    sources = new.setdefault("sources", [])
    entry = next((s for s in sources if s.get("match") == {"folder": glob}), None)
    if entry is None:
        entry = {"match": {"folder": glob}}
        sources.append(entry)
    _append(entry, "keep", pattern)


def _disable_rule(p: Proposal, cleaner: str, rule: str) -> None:
    if cleaner != "source_rules":
        _append(p.new.setdefault("cleaners", {}).setdefault(cleaner, {}), "disable_rules", rule)
        return
    # A per-source rule lives in the user's own `sources:`: put it in shadow mode there.
    found = [r for s in p.new.get("sources") or [] for r in s.get("rules") or [] if r.get("name") == rule]
    for r in found:
        r["mode"] = "shadow"
    if not found:
        p.notes.append(f"per-source rule {rule!r} is not in this config file: not changed")


def promote_rule(p: Proposal, cleaner: str, rule: str) -> None:
    """An approved rule becomes `confidence: certain` (issue 12's key), where the loader knows the key."""
    if not confidence_supported():
        p.notes.append(
            f"approving {cleaner}/{rule} would set confidence: certain, which this version's config"
            " does not know yet (per-rule risk, issue 12): recorded, not written"
        )
        return
    rules = p.new.setdefault("cleaners", {}).setdefault(cleaner, {}).setdefault("rules", [])
    entry = next((r for r in rules if r.get("name") == rule), None)
    if entry is None:
        rules.append({"name": rule, "confidence": "certain"})
    else:
        entry["confidence"] = "certain"


@cache
def confidence_supported() -> bool:
    probe = {
        "cleaners": {"advertisement": {"rules": [{"name": "p", "pattern": "^p$", "confidence": "certain"}]}}
    }
    try:
        ruleset_from_mapping(probe, "<probe>")
    except ConfigError:
        return False
    return True


def write_config(config: Path, proposal: Proposal, shown_hash: str) -> Path | None:
    """Write the proposed config after it validates; returns the backup (None if the file is new).

    `shown_hash` is the hash of the config the reviewer saw the diff of: a file changed since is refused.
    """
    current = config.read_text(encoding="utf-8") if config.exists() else ""
    if hashlib.sha256(current.encode("utf-8")).hexdigest() != shown_hash:
        raise DecisionError(f"{config} changed since the diff was shown: reload the page")
    check = config.with_name(f".{config.name}.{os.getpid()}.check")
    try:
        atomic_write(check, proposal.new_text)
        load_ruleset(check)  # the cleaners' own loader: a config that would stop the next run is refused
    except ConfigError as exc:
        problem = str(exc).replace(str(check), str(config))
        raise DecisionError(f"the new config does not validate: {problem}") from None
    finally:
        check.unlink(missing_ok=True)
    backup = None
    if config.exists():
        backup = _backup_name(config)
        atomic_write(backup, config.read_bytes())
    atomic_write(config, proposal.new_text)
    return backup


def _backup_name(config: Path) -> Path:
    """FILE.<time>.bak, never one that exists (two writes in one second keep both backups)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    n = 0
    while (backup := config.with_name(f"{config.name}.{stamp}{f'-{n}' if n else ''}.bak")).exists():
        n += 1
    return backup
