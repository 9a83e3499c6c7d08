"""Randomized fault test (issue 13): ENOSPC, EIO and SIGKILL at random points over repeated runs.

Each round changes the inputs (edits, new files, deletions), sometimes the ruleset and --prune, then runs
`boilerclean run` with one fault: ENOSPC or EIO raised at the N-th call of os.write / os.replace /
os.rename / os.link / os.fsync / os.open / os.mkdir or of a file object's write() on a path under the
output folder (in-process, counted by a wrapper, so no flows internals are touched), or SIGKILL of a
subprocess run at a random moment. After each faulted run:
  - the inputs and the files the run did not create (a user's notes in DIR, a file beside it) are as
    they were;
  - every input that the last fault-free run had cleaned still restores (`restore DIR --to`), byte for
    byte, to one of its versions since that run (never to nothing, never to other bytes).
Then one fault-free rerun, after which restore reproduces every current input byte for byte and no
temporary file is left. SQLite's own writes are C code and are not injected here.

BOILERCLEAN_FAULTS (default 20) sets how many faults are injected; BOILERCLEAN_FAULT_SEED the seed.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from bchelp import (
    ARTICLE,
    EXIT_OK,
    ROOT,
    cli_env,
    config_with_rule,
    restore_to,
    run,
    snapshot,
    under,
)

FAULTS = int(os.environ.get("BOILERCLEAN_FAULTS", "20"))
SEED = int(os.environ.get("BOILERCLEAN_FAULT_SEED", "1313"))
KINDS = ("write", "replace", "rename", "link", "fsync", "open", "mkdir", "file.write")
ERRNOS = (errno.ENOSPC, errno.EIO)


class Injected(OSError):
    """The injected error (an OSError like the real one; its own class only to tell it apart in reports)."""


class Injector:
    """Counts calls that write under `out`, per kind; the `at`-th call of kind `target` raises `code`."""

    def __init__(self, out: Path, target: str | None = None, at: int = 0, code: int = errno.ENOSPC):
        self.out, self.target, self.at, self.code = out, target, at, code
        self.calls: Counter[str] = Counter()
        self.fired: str | None = None

    def hit(self, kind: str, path: object) -> None:
        if path is None or not under(path, self.out):
            return
        self.calls[kind] += 1
        if kind == self.target and self.calls[kind] == self.at and self.fired is None:
            self.fired = (
                f"{kind}#{self.at} {errno.errorcode[self.code]} on "
                f"{os.path.relpath(os.fsdecode(path), self.out)}"
            )
            raise Injected(self.code, os.strerror(self.code), os.fsdecode(path))


def _fd_path(fd: int) -> str | None:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return None


class _File:
    """A file object whose write() goes through the injector first."""

    def __init__(self, fh, inj: Injector, path: object):
        self._fh, self._inj, self._path = fh, inj, path

    def write(self, data):
        self._inj.hit("file.write", self._path)
        return self._fh.write(data)

    def __enter__(self):
        self._fh.__enter__()
        return self

    def __exit__(self, *exc):
        return self._fh.__exit__(*exc)

    def __iter__(self):
        return iter(self._fh)

    def __getattr__(self, name):
        return getattr(self._fh, name)


def _wrappers(inj: Injector) -> dict[tuple[object, str], object]:
    real = {
        n: getattr(os, n) for n in ("write", "replace", "rename", "link", "fsync", "open", "mkdir", "fdopen")
    }
    real_open = io.open

    def write(fd, data):
        inj.hit("write", _fd_path(fd))
        return real["write"](fd, data)

    def replace(src, dst, *a, **k):
        inj.hit("replace", dst)
        return real["replace"](src, dst, *a, **k)

    def rename(src, dst, *a, **k):
        inj.hit("rename", dst)
        return real["rename"](src, dst, *a, **k)

    def link(src, dst, *a, dst_dir_fd=None, **k):
        # An output is linked in place by its folder's descriptor and its bare name.
        where = os.path.join(_fd_path(dst_dir_fd) or "", dst) if dst_dir_fd is not None else dst
        inj.hit("link", where)
        return real["link"](src, dst, *a, dst_dir_fd=dst_dir_fd, **k)

    def fsync(fd):
        inj.hit("fsync", _fd_path(fd if isinstance(fd, int) else fd.fileno()))
        return real["fsync"](fd)

    def open_(path, flags, *a, **k):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            inj.hit("open", path)
        return real["open"](path, flags, *a, **k)

    def mkdir(path, *a, **k):
        inj.hit("mkdir", path)
        return real["mkdir"](path, *a, **k)

    def fdopen(fd, mode="r", *a, **k):
        fh = real["fdopen"](fd, mode, *a, **k)
        return _File(fh, inj, _fd_path(fd)) if any(c in mode for c in "wax+") else fh

    def open_file(file, mode="r", *a, **k):
        fh = real_open(file, mode, *a, **k)
        writing = any(c in mode for c in "wax+") and isinstance(file, (str, bytes, os.PathLike))
        return _File(fh, inj, file) if writing else fh

    patched = {
        "write": write,
        "replace": replace,
        "rename": rename,
        "link": link,
        "fsync": fsync,
        "open": open_,
        "mkdir": mkdir,
    }
    patched["fdopen"] = fdopen
    return {
        **{(os, n): f for n, f in patched.items()},
        (io, "open"): open_file,
        (builtins, "open"): open_file,
    }


@contextmanager
def injecting(inj: Injector):
    """The wrappers in place for the duration of one run (and only that)."""
    wrappers = _wrappers(inj)
    saved = {key: getattr(*key) for key in wrappers}
    try:
        for (mod, name), f in wrappers.items():
            setattr(mod, name, f)
        yield inj
    finally:
        for (mod, name), f in saved.items():
            setattr(mod, name, f)


@dataclass
class World:
    """The inputs, the output folder, the files no run may touch, and what each input may restore to."""

    base: Path
    rng: random.Random
    inp: Path = field(init=False)
    out: Path = field(init=False)
    current: dict[str, bytes] = field(default_factory=dict)
    allowed: dict[str, set[bytes]] = field(default_factory=dict)  # versions since the last fault-free run
    cleaned: set[str] = field(default_factory=set)  # inputs the last fault-free run cleaned
    configs: list[Path | None] = field(default_factory=list)
    config: Path | None = None
    foreign: dict[Path, bytes] = field(default_factory=dict)
    serial: int = 0

    def __post_init__(self) -> None:
        self.inp, self.out = self.base / "in", self.base / "o"
        self.configs = [
            None,
            config_with_rule(self.base / "rules-a.yaml"),
            config_with_rule(self.base / "rules-b.yaml", "closing line", "^Thanks for reading[.]$"),
        ]
        for _ in range(70):
            self._add()
        self.foreign = {
            self.out / "notes" / "my-notes.md": b"mine\n",
            self.base / "beside-out.txt": b"also mine\n",
        }

    def _write(self, rel: str, data: bytes) -> None:
        p = self.inp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        self.current[rel] = data
        self.allowed.setdefault(rel, set()).add(data)

    def _add(self) -> None:
        self.serial += 1
        rel = f"f{self.serial % 4}/doc{self.serial}.txt"
        self._write(
            rel, ARTICLE.format(n=self.serial).encode() + self.rng.choice([b"", b"Thanks for reading.\n"])
        )

    def mutate(self) -> list[str]:
        """Edit, add and delete some inputs, maybe switch the ruleset; returns the run's extra arguments."""
        for rel in self.rng.sample(sorted(self.current), self.rng.randint(1, 6)):
            self._write(rel, self.current[rel] + f"Added paragraph {self.rng.random()}.\n".encode())
        for _ in range(self.rng.randint(0, 2)):
            self._add()
        if self.rng.random() < 0.3 and len(self.current) > 40:
            rel = self.rng.choice(sorted(self.current))
            (self.inp / rel).unlink()
            del self.current[rel]
        if self.rng.random() < 0.3:
            self.config = self.rng.choice(self.configs)
        return self.args(prune=self.rng.random() < 0.3)

    def args(self, prune: bool = False) -> list[str]:
        return (["--config", str(self.config)] if self.config else []) + (["--prune"] if prune else [])

    def plant_foreign(self) -> None:
        for p, data in self.foreign.items():
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)


@dataclass
class Tally:
    faults: Counter = field(default_factory=Counter)  # by kind and errno, or "SIGKILL"
    tracebacks: Counter = field(default_factory=Counter)  # faulted runs that showed a traceback, by exception
    broken: Counter = field(default_factory=Counter)  # invariant -> in how many runs it broke
    files: Counter = field(default_factory=Counter)  # invariant -> how many files it broke for, over all runs
    lossy: Counter = field(
        default_factory=Counter
    )  # fault kind -> how many of those faults broke an invariant
    examples: list[str] = field(default_factory=list)
    _seen: set = field(default_factory=set)

    def fail(self, invariant: str, tag: str, detail: str) -> None:
        self.files[invariant] += 1
        if (invariant, tag) not in self._seen:
            self._seen.add((invariant, tag))
            self.broken[invariant] += 1
        if len(self.examples) < 12:
            self.examples.append(f"{invariant} (round {tag}): {detail}")

    def report(self) -> str:
        return (
            f"faults injected: {sum(self.faults.values())} {dict(self.faults)}\n"
            f"faulted runs with a traceback: {dict(self.tracebacks)}\n"
            f"invariants broken (runs): {dict(self.broken) or 'none'}; (files): "
            f"{dict(self.files) or 'none'}\n"
            f"faults after which an invariant broke, by kind: {dict(self.lossy) or 'none'}\n"
            + "\n".join(self.examples)
        )


def check_after_fault(w: World, tally: Tally, tag: str, label: str) -> None:
    """Nothing lost: inputs, foreign files unchanged; each cleaned input restores to a version of itself."""
    tally.faults[label] += 1
    before = sum(tally.broken.values())
    if snapshot(w.inp) != w.current:
        tally.fail("inputs changed", tag, "")
    for p, data in w.foreign.items():
        if not p.exists() or p.read_bytes() != data:
            tally.fail("foreign file deleted or changed", tag, p.name)
    res, got = restore_to(w.out, w.base / f"r-{tag}")
    if res.tb:
        tally.fail("restore traceback", tag, res.tb.strip().splitlines()[-1])
    for rel in sorted(w.current):
        if rel in w.cleaned and rel not in got:
            problem = next((ln for ln in res.err.splitlines() if rel in ln), "not restored")
            tally.fail("good output lost", tag, problem)
        elif rel in got and got[rel] not in w.allowed[rel]:
            tally.fail("restored bytes are no version of the input", tag, rel)
    subprocess.run(["rm", "-rf", str(w.base / f"r-{tag}")], check=False)
    if sum(tally.broken.values()) > before:
        tally.lossy[label] += 1


def clean_rerun(w: World, tally: Tally, tag: str) -> None:
    """A fault-free rerun repairs everything: every current input restores exactly, no temp file is left."""
    res = run(w.inp, w.out, *w.args())
    if res.tb or res.rc != EXIT_OK:
        tally.fail(
            "fault-free rerun failed", tag, f"rc {res.rc} {(res.tb or res.err).strip().splitlines()[-1:]}"
        )
    res, got = restore_to(w.out, w.base / f"c-{tag}")
    if res.rc != EXIT_OK or {k: got.get(k) for k in w.current} != w.current:
        bad = sorted(k for k in w.current if got.get(k) != w.current[k])
        tally.fail("not restorable after a fault-free rerun", tag, f"{bad[:3]} {res.err.strip()[-200:]}")
    temps = [k for k in snapshot(w.out) if k.rsplit("/", 1)[-1].startswith(".") and k.endswith(".tmp")]
    if temps:
        tally.fail("temporary files left after a fault-free rerun", tag, str(temps[:3]))
    subprocess.run(["rm", "-rf", str(w.base / f"c-{tag}")], check=False)
    w.allowed = {rel: {data} for rel, data in w.current.items()}
    w.cleaned = set(w.current)


def errno_fault(w: World, tally: Tally, seen: Counter, tag: str) -> bool:
    """One in-process run with ENOSPC or EIO at a random call; True if the fault fired."""
    kinds = [k for k in KINDS if seen[k]]
    target = w.rng.choice(kinds)
    inj = Injector(w.out, target, w.rng.randint(1, seen[target]), w.rng.choice(ERRNOS))
    args = w.mutate()
    with injecting(inj):
        res = run(w.inp, w.out, *args)
    for k, n in inj.calls.items():
        seen[k] = max(seen[k], n)
    if inj.fired is None:
        return False
    if res.tb:  # where in the project it escaped from: the last project frame
        frames = re.findall(r'File ".*?/((?:flows|cleaners)/[^"]+)", line \d+, in (\w+)', res.tb)
        tally.tracebacks[":".join(frames[-1]) if frames else "outside flows"] += 1
    check_after_fault(w, tally, tag, f"{target} {errno.errorcode[inj.code]}")
    return True


def kill_fault(w: World, tally: Tally, span: list[float], tag: str) -> bool:
    """A subprocess run SIGKILLed at a random moment; True if it was still running when killed."""
    args = w.mutate()
    cmd = [
        sys.executable,
        "-m",
        "flows.cli",
        "run",
        str(w.inp),
        "--out",
        str(w.out),
        "--no-progress",
        "--workers",
        "1",
        "--no-prefect",
        *args,
    ]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=cli_env(), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # span[0]: how long a run has been seen to take; the kill lands somewhere inside it.
        proc.wait(timeout=w.rng.uniform(0.05, span[0]))
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
    rc = proc.wait()
    if rc != -signal.SIGKILL:
        span[0] = min(span[0], 0.9 * (time.monotonic() - start))  # finished first: aim earlier next time
        return False
    check_after_fault(w, tally, tag, "SIGKILL")
    return True


def fault_rounds(base: Path, faults: int, kill_share: float, seed: int) -> Tally:
    w, tally = World(base, random.Random(seed)), Tally()
    w.plant_foreign()
    seen: Counter = Counter()
    with injecting(Injector(w.out)) as counting:  # a first run, counted, so there are calls to aim at
        first = run(w.inp, w.out)
    assert first.rc == EXIT_OK and not first.tb, first.all
    seen.update(counting.calls)
    clean_rerun(w, tally, "start")
    span, fired, rounds = [1.5], 0, 0
    while fired < faults and rounds < 4 * faults:
        rounds += 1
        tag = f"{rounds}"
        hit = (
            kill_fault(w, tally, span, tag)
            if w.rng.random() < kill_share
            else errno_fault(w, tally, seen, tag)
        )
        fired += hit
        clean_rerun(w, tally, tag)
    assert fired >= faults, f"only {fired} of {faults} faults fired in {rounds} rounds"
    return tally


@pytest.mark.slow
@pytest.mark.parametrize(
    "mode,kill_share",
    [
        ("errors", 0.0),
        ("kills", 1.0),
    ],
)
def test_random_faults_lose_nothing(tmp_path, mode, kill_share):
    faults = FAULTS if mode == "errors" else max(2, FAULTS // 8)
    tally = fault_rounds(tmp_path, faults, kill_share, SEED + (mode == "kills"))
    print(f"\n[{mode}] seed {SEED}\n{tally.report()}")
    assert not tally.broken, tally.report()
    assert not tally.tracebacks, f"a fault reached the user as a traceback:\n{tally.report()}"
