"""Throughput and memory of boilerclean against a peer filter and a bare copy, from one run on the same files.

    python benchmarks/throughput.py            # 20,000 files (~120 MB)
    python benchmarks/throughput.py --small    # 2,000 files, for a quick look
    python benchmarks/throughput.py --rounds 3 # the compared rows three times, alternated: the targets
                                               # judged by the median of the rounds' ratios

Every row runs in its own subprocess, timed by wall clock, with the peak resident memory of its
whole process tree (sampled every 50 ms with psutil, its members found once a second). The machine
may be shared: compare the ratios printed at the end, which come from the same run, rather than
absolute figures.

The rows that write keep their outputs until every row has run. Deleting one row's 20,000-40,000 files
just before the next row made that row pay for it: this machine's root file system (ext4 without a
journal) skips each inode freed in the last 60 s (360 s while its inode table block is not yet written
back) when it creates a file, one buffer lookup per skipped inode (benchmarks/RESULTS.md, 2026-12-01
19:16-20:24). The bare copy, the first row that creates files, is measured again after the runs, and the
target takes the faster of the two: the first pays for whatever was deleted on the disk just before
the benchmark (an earlier benchmark's cleanup 75-90 s before took its CPU from ~1 s to 2.2-4.6 s).
So before the first row that writes, the benchmark waits until creating a file costs what it does on an
undisturbed disk (`settle`: up to 6 minutes, and it says how long), and a --dir keeps its corpus from
one benchmark to the next instead of deleting and writing it again.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]


def _texts(corpus: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(corpus.rglob("*.txt"))]


def row_engine(corpus: Path) -> dict:
    """Our whole default ruleset over every document, in memory, one process."""
    from cleaners import clean_text, load_ruleset

    texts = _texts(corpus)
    ruleset = load_ruleset()
    t0, c0 = time.perf_counter(), time.process_time()
    removed = 0
    for t in texts:
        removed += len(clean_text(t, ruleset).acting)
    return _timed(texts, t0, c0, removals=removed)


def row_datatrove(corpus: Path) -> dict:
    """datatrove's C4QualityFilter, line rules only (no document-level rules, no sentence counting)."""
    try:
        from datatrove.data import Document
        from datatrove.pipeline.filters import C4QualityFilter
    except ImportError:
        return {"missing": "datatrove is not installed (pip install -e '.[bench]')"}

    texts = _texts(corpus)
    f = C4QualityFilter(filter_lorem_ipsum=False, filter_curly_bracket=False, min_num_sentences=-1)
    t0, c0 = time.perf_counter(), time.process_time()
    for i, t in enumerate(texts):
        f.filter(Document(text=t, id=str(i)))
    return _timed(texts, t0, c0)


def row_profile(corpus: Path) -> dict:
    """The engine under cProfile: the top functions by own time."""
    import cProfile
    import io
    import pstats

    from cleaners import clean_text, load_ruleset

    texts = _texts(corpus)[:3000]
    ruleset = load_ruleset()
    prof = cProfile.Profile()
    prof.enable()
    for t in texts:
        clean_text(t, ruleset)
    prof.disable()
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(10)
    return {"profile": buf.getvalue()}


def _timed(texts: list[str], t0: float, c0: float, **extra) -> dict:
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    return {
        "mb": mb,
        "seconds": wall,
        "cpu_seconds": cpu,
        "mb_per_s": mb / wall,
        "mb_per_cpu_s": mb / cpu,
        **extra,
    }


def row_copy(corpus: Path, out: Path, durable: bool = False) -> dict:
    """The floor: read every file and write it to the output folder, in Python, one process.

    durable: write it the way boilerclean writes each of its outputs (temporary file, fsync, rename).
    """
    from flows.outputs.atomic import atomic_write

    t0 = time.perf_counter()
    for src in sorted(corpus.rglob("*.txt")):
        dst = out / src.relative_to(corpus)
        if durable:
            atomic_write(dst, src.read_bytes())
        else:
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.write_bytes(src.read_bytes())
    return {"seconds": time.perf_counter() - t0}


def row_startup(corpus: Path) -> dict:
    """A pool worker's start: import the batch code, load the (cached) ruleset, clean one document."""
    first = min(corpus.rglob("*.txt")).read_text(encoding="utf-8")  # one document, not the corpus
    t0 = time.perf_counter()
    from cleaners import clean_text
    from flows.run.rulecache import cached_load_ruleset
    from flows.run.worker import clean_files  # noqa: F401 - what a worker imports

    t1 = time.perf_counter()
    ruleset = cached_load_ruleset()
    t2 = time.perf_counter()
    clean_text(first, ruleset)
    t3 = time.perf_counter()
    return {"seconds": t3 - t0, "imports": t1 - t0, "ruleset": t2 - t1, "first_document": t3 - t2}


def _spin(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def _clean_slice(job: tuple[str, int, int]) -> float:
    """In a pool process: seconds to clean documents [start, stop) of the corpus with the default ruleset
    (cached; loaded and warmed up before the clock starts)."""
    from cleaners import clean_text
    from flows.run.rulecache import cached_load_ruleset

    corpus, start, stop = job
    texts = [p.read_text(encoding="utf-8") for p in sorted(Path(corpus).rglob("*.txt"))[start:stop]]
    ruleset = cached_load_ruleset(None)
    clean_text(texts[0], ruleset)
    t0 = time.perf_counter()
    for text in texts:
        clean_text(text, ruleset)
    return time.perf_counter() - t0


def row_scaling(corpus: Path, docs: int = 2000) -> dict:
    """What this machine gives two CPU-bound processes at once, timed alone and twice in parallel, by
    turns, three times (its two cores may be shared with other machines' work): a pure Python loop, and
    the engine (`docs` documents each, the default ruleset), whose memory traffic two processes share (the
    best a 2-worker run could do here)."""
    import multiprocessing
    import statistics

    n, ratios, engine = 15_000_000, [], []
    one_slice, two_slices = [(str(corpus), 0, docs)], [(str(corpus), 0, docs), (str(corpus), docs, 2 * docs)]
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.map(_spin, [1, 1])  # both started
        pool.map(_clean_slice, [(str(corpus), 0, 1)] * 2, chunksize=1)  # both warm
        for _ in range(3):
            t0 = time.perf_counter()
            _spin(n)
            one = time.perf_counter() - t0
            t0 = time.perf_counter()
            pool.map(_spin, [n, n], chunksize=1)
            ratios.append(2 * one / (time.perf_counter() - t0))
            alone = pool.map(_clean_slice, one_slice)[0]
            engine.append(2 * alone / max(pool.map(_clean_slice, two_slices, chunksize=1)))
    return {
        "scaling": statistics.median(ratios),
        "all": ratios,
        "engine_scaling": statistics.median(engine),
        "engine_all": engine,
    }


ROWS = {
    "engine": row_engine,
    "datatrove": row_datatrove,
    "profile": row_profile,
    "startup": row_startup,
    "scaling": row_scaling,
}


def reuse_or_write_corpus(corpus: Path, count: int, write: Callable[[Path, int], int]) -> int:
    """The corpus's size in bytes: the one an earlier benchmark left in --dir when it is the same corpus
    (count and corpus.py), else written anew (deleting 20,000 files slows the next minute's writes)."""
    stamp = corpus.parent / "corpus.json"
    want = {"count": count, "corpus.py": hashlib.sha256((HERE / "corpus.py").read_bytes()).hexdigest()}
    try:
        found = json.loads(stamp.read_text())
    except (OSError, ValueError):
        found = {}
    if corpus.is_dir() and {k: found.get(k) for k in want} == want and "size" in found:
        return found["size"]
    stamp.unlink(missing_ok=True)
    shutil.rmtree(corpus, ignore_errors=True)
    size = write(corpus, count)
    stamp.write_text(json.dumps({**want, "size": size}))
    return size


# Creating a 2 KB file costs 10-30 us on an undisturbed disk here, 90-450 us in the minute after a large
# deletion (the docstring); a probe above this waits.
SETTLED_US = 60.0
SETTLE_MAX_S = 400.0
STEAL_WARN = 0.05  # a share of the cores taken by the host (steal) above which a row is flagged


def settle(scratch: Path, probe_files: int = 400) -> dict:
    """Wait until creating files is as cheap as on an undisturbed disk (or SETTLE_MAX_S): each probe writes
    `probe_files` new files in a folder of its own under `scratch`, never deleted before the rows run (a
    deletion would start the wait again). Returns the wait and the last probe's cost per file."""
    t0, n = time.monotonic(), 0
    while True:
        os.sync()  # an inode table block not yet written back makes the kernel skip its inodes 300 s longer
        us = _probe_us(scratch / str(n), probe_files)
        waited = time.monotonic() - t0
        if us <= SETTLED_US or waited >= SETTLE_MAX_S:
            return {"waited": waited, "us": us}
        if n == 0:
            print(f"  ... a file costs {us:.0f} us to create (a recent deletion here): waiting", flush=True)
        n += 1
        time.sleep(5)


# The rows that write, with the `run` options of those that are runs (None: a copy).
WRITTEN = (
    ("copy", None),
    ("copy, fsync each file", None),
    ("run 1 worker", ["--workers", "1"]),
    ("run 2 workers", ["--workers", "2"]),
    ("run dask 2 workers", ["--workers", "2", "--dask"]),
)


def measure_round(py: list[str], env: dict, corpus: Path, out: Path, probes: Path) -> dict[str, dict]:
    """One round of the rows that the targets compare: the engine and datatrove in memory, then (once the
    disk has settled) the rows that write, each into its own folder under `out`, kept until every round
    has run; the bare copy again; the ceiling of two processes."""
    rows = {
        name: measure(py + ["--row", name, "--corpus", str(corpus)], env) for name in ("engine", "datatrove")
    }
    rows["settle"] = settle(probes)
    for name, extra in WRITTEN:
        folder = out / name.replace(" ", "_").replace(",", "")
        if extra is None:
            row = "copy" if name == "copy" else "copy-fsync"
            cmd = py + ["--row", row, "--corpus", str(corpus), "--out", str(folder)]
        else:
            run = [
                "-m",
                "flows.cli",
                "run",
                str(corpus),
                "--out",
                str(folder),
                "--no-prefect",
                "--no-progress",
            ]
            cmd = [sys.executable, *run, *extra]
        rows[name] = measure(cmd, env)
        if extra is not None:
            rows[name]["tree"] = tree_digest(folder)
    # The bare copy again, after the runs: the first copy is the first row that creates files, so it
    # pays for whatever was deleted on the disk just before the benchmark (the targets take the faster).
    rows["copy, again"] = measure(
        py + ["--row", "copy", "--corpus", str(corpus), "--out", str(out / "again")], env
    )
    rows["two processes"] = measure(py + ["--row", "scaling", "--corpus", str(corpus)], env)
    return rows


def _probe_us(folder: Path, files: int) -> float:
    """Microseconds a 2 KB file takes to create, over `files` new files in a new `folder`."""
    folder.mkdir(parents=True)
    t = time.perf_counter()
    for i in range(files):
        (folder / str(i)).write_bytes(b"x" * 2048)
    return 1e6 * (time.perf_counter() - t) / files


def tree_digest(out: Path) -> str:
    """One digest of every output file's path and bytes (the hidden bookkeeping folder left out)."""
    h = hashlib.sha256()
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if p.is_file() and not rel.parts[0].startswith("."):
            h.update(rel.as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def measure(cmd: list[str], env: dict | None = None) -> dict:
    res = _measure(cmd, env)
    print(f"  ... {' '.join(cmd[1:4])}: {res['wall']:.1f}s wall, peak {res['peak_mb']:.0f} MB", flush=True)
    return res


def _measure(cmd: list[str], env: dict | None = None) -> dict:
    """Run cmd; its wall time, peak RSS of its process tree, and the JSON it printed last (if any)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    stolen = host_steal()
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True)
    tree = TreeMemory(proc.pid)
    while proc.poll() is None:
        tree.sample()
        time.sleep(TreeMemory.EVERY)
    wall = time.perf_counter() - t0
    out, err = proc.communicate()
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the row's process tree, once all are waited for
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result = {"wall": wall, "peak_mb": tree.peak / 1e6, "cpu": cpu}
    result["steal"] = (host_steal() - stolen) / (wall * (os.cpu_count() or 1))
    lines = [ln for ln in out.splitlines() if ln.startswith("{")]
    if lines:
        result.update(json.loads(lines[-1]))
    return result


class TreeMemory:
    """The peak of a process tree's summed resident memory, sampled every EVERY s. Its members are looked
    for less often, after 0.05, 0.1, 0.2 ... s, then every FIND_EVERY s (a run starts its workers
    first): finding them reads every process on the machine (~1.2 ms), which, 20 times a second, took
    ~4% of a core from the rows it measured, a share of the two cores that a 2-worker run needs whole (a
    1-worker run leaves one idle)."""

    EVERY = 0.05
    FIND_EVERY = 1.0

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.members: list = [self.root]
        self.next_find, self.gap = time.monotonic(), self.EVERY
        self.peak = 0

    def sample(self) -> None:
        import psutil

        if time.monotonic() >= self.next_find:
            try:
                self.members = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            self.next_find = time.monotonic() + self.gap
            self.gap = min(2 * self.gap, self.FIND_EVERY)
        rss = 0
        for member in self.members:
            try:
                rss += member.memory_info().rss
            except psutil.Error:  # gone since it was found
                pass
        self.peak = max(self.peak, rss)


def host_steal(stat: str = "/proc/stat") -> float:
    """CPU seconds the hypervisor has given to other guests since boot (/proc/stat's steal column; 0
    where there is none): a share of it during a row means this machine's cores were not all the row's."""
    try:
        with open(stat) as fh:
            fields = fh.readline().split()
    except OSError:
        return 0.0
    return int(fields[8]) / os.sysconf("SC_CLK_TCK") if len(fields) > 8 else 0.0


def big_rows(work: Path, big_mb: int, env: dict, whole: bool) -> dict[str, dict]:
    """One big file made of corpus documents, run with the default settings (over 64 MB: cleaned in
    windows, flows.run.bigfile) and, with `whole`, on the whole-file path as well."""
    import random

    from corpus import make_document

    big = work / "big"
    shutil.rmtree(big, ignore_errors=True)
    big.mkdir()
    rng = random.Random(6)
    with open(big / "big.txt", "w", encoding="utf-8") as fh:
        written = 0
        while written < big_mb * 1_000_000:
            doc = make_document(rng, 200)
            fh.write(doc)
            written += len(doc.encode("utf-8"))
    rows = {}
    variants = [("one big file", {})]
    if whole:
        variants += [("one big file, windowed", {"BOILERCLEAN_BIG_FILE_BYTES": "1"})]
        variants += [("one big file, whole path", {"BOILERCLEAN_BIG_FILE_BYTES": str(1 << 62)})]
    trees = []
    for name, extra in variants:
        out = work / "big_out"
        shutil.rmtree(out, ignore_errors=True)
        cmd = [sys.executable, "-m", "flows.cli", "run", str(big), "--out", str(out), "--no-prefect"]
        rows[name] = measure(cmd + ["--no-progress", "--workers", "1"], {**env, **extra})
        rows[name]["mb"] = written / 1e6
        trees.append(tree_digest(out))
        shutil.rmtree(out, ignore_errors=True)
    if whole:
        print(f"  big file outputs byte-identical, windowed and whole path: {trees[1] == trees[2]}")
    return rows


def child_env() -> dict[str, str]:
    """The rows' environment: this checkout first on the path, no Prefect API, and Python's bytecode cache
    written and read as for an installed package (PYTHONDONTWRITEBYTECODE, set in some shells and sandboxes,
    made every row's process compile flows/ and cleaners/ again: ~0.1 CPU s per process)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("PREFECT_API_URL", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def big_only(args: argparse.Namespace) -> None:
    """--big-only: the big file rows alone, each with its peak memory against the file's size."""
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="boilerclean-bench-"))
    env = child_env()
    env["BOILERCLEAN_CACHE_DIR"] = str(work / "ruleset-cache")
    try:
        # Every row with a warm ruleset cache, as in the full benchmark (a cold one changes the figures).
        (work / "warm").mkdir(parents=True, exist_ok=True)
        (work / "warm" / "a.txt").write_text("Photo: AP\nSome text.\n", encoding="utf-8")
        warm = [sys.executable, "-m", "flows.cli", "run", str(work / "warm"), "--out", str(work / "warm_out")]
        subprocess.run(warm + ["--no-prefect", "--no-progress"], env=env, cwd=ROOT, capture_output=True)
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        print(f"boilerclean big file, {stamp}, {platform.node()}")
        for name, r in big_rows(work, args.big_mb, env, args.big_whole).items():
            print(
                f"{name:26s} {r['wall']:8.2f} s wall, CPU {r['cpu']:.1f} s, peak RSS {r['peak_mb']:.0f} MB "
                f"= {r['peak_mb'] / r['mb']:.2f}x the {r['mb']:.0f} MB file"
            )
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--small", action="store_true", help="2,000 files instead of 20,000")
    ap.add_argument("--files", type=int, help="number of files (overrides --small)")
    ap.add_argument("--big-mb", type=int, default=100, help="size of the single large file row (0 to skip)")
    ap.add_argument(
        "--big-whole", action="store_true", help="also run the big file windowed and on the whole path"
    )
    ap.add_argument("--big-only", action="store_true", help="only the big file rows (with --big-whole)")
    ap.add_argument("--dir", help="work folder (default: a temporary one, removed after)")
    ap.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the engine, copy and run rows this many times, alternated, and judge the targets by "
        "the median of the rounds' ratios (a shared machine's load comes and goes)",
    )
    ap.add_argument("--row", choices=sorted(ROWS) + ["copy", "copy-fsync"], help=argparse.SUPPRESS)
    ap.add_argument("--corpus", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.row:  # a child: run one row and print its figures as JSON
        if args.row.startswith("copy"):
            res = row_copy(Path(args.corpus), Path(args.out), durable=args.row == "copy-fsync")
        else:
            res = ROWS[args.row](Path(args.corpus))
        res["self_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
        print(json.dumps(res))
        return

    from corpus import write_corpus

    if args.big_only:
        big_only(args)
        return
    count = args.files or (2000 if args.small else 20000)
    work = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="boilerclean-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus"
    try:
        size = reuse_or_write_corpus(corpus, count, write_corpus)
        print(
            f"boilerclean throughput, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
            f"{platform.node()} ({platform.machine()}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()})"
        )
        print(
            f"corpus: {count} files, {size / 1e6:.1f} MB, one line in six boilerplate, one in twelve prose "
            "with rule keywords, en/de/fr/es/zh\n",
            flush=True,
        )
        py = [sys.executable, str(Path(__file__).resolve())]
        env = child_env()
        rows: dict[str, dict] = {}
        env["BOILERCLEAN_CACHE_DIR"] = str(work / "ruleset-cache")  # cold for the first start-up row
        shutil.rmtree(work / "ruleset-cache", ignore_errors=True)
        rounds = max(1, args.rounds)
        outs = [work / f"round{r}" for r in range(rounds)]
        probes = work / "settle"
        # Left by an earlier run in --dir: deleted before the rows that only read, never between rows.
        for out in [*outs, probes]:
            shutil.rmtree(out, ignore_errors=True)
        rows["worker start, cold cache"] = measure(py + ["--row", "startup", "--corpus", str(corpus)], env)
        rows["worker start, warm cache"] = measure(py + ["--row", "startup", "--corpus", str(corpus)], env)
        each = [measure_round(py, env, corpus, out, probes / str(r)) for r, out in enumerate(outs)]
        for out in [*outs, probes]:  # only now: see the module's docstring
            shutil.rmtree(out, ignore_errors=True)
        big = big_rows(work, args.big_mb, env, args.big_whole) if args.big_mb else {}
        prof = measure(py + ["--row", "profile", "--corpus", str(corpus)], env)
        for r, round_rows in enumerate(each):
            if rounds > 1:
                print(f"\nround {r + 1} of {rounds}:")
            report({**rows, **round_rows, **big} if r == 0 else round_rows, size / 1e6, {**rows, **big})
        if rounds > 1:
            report_median([{**rows, **round_rows} for round_rows in each])
        print("\nengine profile (3,000 documents, by own time):")
        print("\n".join(prof["profile"].splitlines()[:24]))
    finally:
        if not args.dir:
            shutil.rmtree(work, ignore_errors=True)


# The two ceilings' labels, in each round's targets and in the medians'.
LOOP_CEILING = "  2 workers: the ceiling here (two CPU loops at once)"
ENGINE_CEILING = "  2 workers: the engine's own ceiling (the engine twice at once)"


def report(rows: dict[str, dict], mb: float, fixed: dict[str, dict]) -> None:
    """The rows' table and the targets' lines; `fixed`: the rows measured once (the start-up rows)."""
    print(f"{'row':24s} {'wall s':>8s} {'MB/s':>8s} {'peak RSS MB':>12s}")
    for name, r in rows.items():
        print_row(name, r, mb)
    rows = {**fixed, **rows}
    print("\ntargets (issue 15; ratios from this run):")
    for label, value, op, target in checks(rows):
        print(f"  {label:58s} {value:6.2f}  (target {op} {target})  {verdict(value, op, target)}")
    if "two processes" in rows:  # the ceiling of the 2-worker ratio on this machine, in this run
        ceiling = rows["two processes"]["scaling"]
        print(f"  {LOOP_CEILING:58s} {ceiling:6.2f}")
        if ceiling < 1.7:  # the machine's second core was not all this run's: the ratio says little
            print("    (the ceiling is under the 2-worker target: another process held a core; rerun)")
        if "engine_scaling" in rows["two processes"]:
            engine = rows["two processes"]["engine_scaling"]
            print(f"  {ENGINE_CEILING:58s} {engine:6.2f}")
    stolen = max((r.get("steal", 0.0) for r in rows.values()), default=0.0)
    if stolen > STEAL_WARN:  # a virtual machine's host gave its cores to other guests: the rows are unfair
        print(f"  the host took up to {stolen:.0%} of this machine's CPU time during a row: rerun when quiet")
    print(f"  outputs byte-identical for 1 worker, 2 workers and Dask: {identical(rows)}")
    if "one big file" in rows:
        b = rows["one big file"]
        print(
            f"  one {b['mb']:.0f} MB file: peak RSS {b['peak_mb']:.0f} MB = {b['peak_mb'] / b['mb']:.1f}x "
            f"the file (target <= 3x: {'met' if b['peak_mb'] <= 3 * b['mb'] else 'MISSED'})"
        )


def print_row(name: str, r: dict, mb: float) -> None:
    if name == "settle":
        print(f"{'(disk settled)':24s} {r['waited']:8.1f} s waited; a file then cost {r['us']:.0f} us")
    elif "missing" in r:
        print(f"{name:24s} {r['missing']}")
    elif name == "two processes":
        ratios = ", ".join(f"{x:.2f}" for x in r["all"])
        print(f"{name:24s} a CPU loop twice at once: {r['scaling']:.2f}x one alone (median of {ratios})")
        if "engine_all" in r:
            ratios = ", ".join(f"{x:.2f}" for x in r["engine_all"])
            twice = f"the engine twice at once: {r['engine_scaling']:.2f}x one alone"
            print(f"{'':24s} {twice} (median of {ratios})")
    elif name.startswith("worker start"):
        print(
            f"{name:24s} {r['seconds']:8.2f} {'':8s} {r['peak_mb']:12.0f}  (imports {r['imports']:.2f}, "
            f"ruleset {r['ruleset']:.2f}, first document {r['first_document']:.2f})"
        )
    elif name in ("engine", "datatrove"):
        note = f"  (in memory; {r['mb_per_cpu_s']:.1f} MB per CPU second)"
        print(f"{name:24s} {r['seconds']:8.2f} {r['mb_per_s']:8.1f} {r['peak_mb']:12.0f}{note}")
    else:
        rate = r.get("mb", mb) / r["wall"]
        stolen = f"; host took {r['steal']:.0%}" if r.get("steal", 0) > STEAL_WARN else ""
        note = f"CPU {r['cpu']:.1f} s{stolen}"
        print(f"{name:24s} {r['wall']:8.2f} {rate:8.1f} {r['peak_mb']:12.0f}  ({note})")


def checks(rows: dict[str, dict]) -> list[tuple[str, float, str, float]]:
    """Each target of issue 15 as (label, this run's value, comparison, target)."""
    e, d = rows["engine"], rows["datatrove"]
    copy = min(rows["copy"], rows.get("copy, again", rows["copy"]), key=lambda r: r["wall"])
    one, two, dask = rows["run 1 worker"], rows["run 2 workers"], rows["run dask 2 workers"]
    out = [
        (
            "run, 1 worker, <= 2x (engine + the faster bare copy), wall",
            one["wall"] / (e["seconds"] + copy["wall"]),
            "<=",
            2.0,
        ),
        ("  the same by CPU time", one["cpu"] / (e["cpu_seconds"] + copy["cpu"]), "<=", 2.0),
        ("2 workers >= 1.7x as fast as 1 (wall)", one["wall"] / two["wall"], ">=", 1.7),
        ("Dask within 1.3x of the process pool (wall)", dask["wall"] / two["wall"], "<=", 1.3),
        ("worker start, warm cache, under 1 s", rows["worker start, warm cache"]["seconds"], "<=", 1.0),
    ]
    if "missing" not in d:
        out += [
            (
                "engine >= 1.0x datatrove's line filter (MB/s; goal 2x)",
                e["mb_per_s"] / d["mb_per_s"],
                ">=",
                1.0,
            ),
            ("  the same by CPU time", e["mb_per_cpu_s"] / d["mb_per_cpu_s"], ">=", 1.0),
        ]
    return out


def verdict(value: float, op: str, target: float) -> str:
    return "met" if (value >= target if op == ">=" else value <= target) else "MISSED"


def identical(rows: dict[str, dict]) -> bool:
    return rows["run 1 worker"]["tree"] == rows["run 2 workers"]["tree"] == rows["run dask 2 workers"]["tree"]


def report_median(each: list[dict[str, dict]]) -> None:
    """The targets judged by the median of the rounds' ratios, each round's beside it."""
    print(f"\ntargets by the median of {len(each)} alternated rounds (each round's ratio):")
    per_round = [checks(rows) for rows in each]
    for i, (label, _, op, target) in enumerate(per_round[0]):
        values = [c[i][1] for c in per_round]
        mid = statistics.median(values)
        listed = ", ".join(f"{v:.2f}" for v in values)
        print(f"  {label:58s} {mid:6.2f}  (target {op} {target})  {verdict(mid, op, target)}  ({listed})")
    ceilings = ", ".join(f"{rows['two processes']['scaling']:.2f}" for rows in each)
    print(f"  {LOOP_CEILING:58s} ({ceilings})")
    if all("engine_scaling" in rows["two processes"] for rows in each):
        ceilings = ", ".join(f"{rows['two processes']['engine_scaling']:.2f}" for rows in each)
        print(f"  {ENGINE_CEILING:58s} ({ceilings})")
    same = all(identical(rows) for rows in each) and len({rows["run 1 worker"]["tree"] for rows in each}) == 1
    print(f"  outputs byte-identical for 1 worker, 2 workers and Dask, in every round: {same}")


if __name__ == "__main__":
    main()
