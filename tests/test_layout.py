"""Issue 15's output layout end to end, through the CLI with a process pool: per input a text, a diff
and a report (no review page without --pages); restore, an incremental rerun and --prune over it."""

from __future__ import annotations

from pathlib import Path

from conftest import SEEDS, cli_env, run_cli


def _inputs(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.txt"))}


def _outputs(out: Path) -> set[str]:
    return {
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and not p.relative_to(out).parts[0].startswith(".")
    }


def test_layout_restore_incremental_and_prune(tmp_path):
    inp, out = tmp_path / "in", tmp_path / "out"
    (inp / "sub").mkdir(parents=True)
    for i, seed in enumerate(sorted(SEEDS.glob("*.txt"))):
        (inp / ("sub" if i % 2 else "") / seed.name).write_bytes(seed.read_bytes())
    env = {**cli_env(), "BOILERCLEAN_CACHE_DIR": str(tmp_path / "cache")}
    run = ["run", str(inp), "--out", str(out), "--no-prefect", "--no-progress", "--workers", "2"]
    assert run_cli(*run, env=env).returncode == 0
    stems = [rel[: -len(".txt")] for rel in _inputs(inp)]
    per_input = {f"{s}{ext}" for s in stems for ext in (".txt", ".diff", ".report.json")}
    assert _outputs(out) == per_input | {"summary.json", "index.html", "index-data.js"}
    assert list((tmp_path / "cache").glob("ruleset-*.pickle"))  # the ruleset was cached for the next run
    assert not list((out / ".boilerclean").glob("ruleset-*"))  # the workers' copy went with the run

    # An incremental rerun: one input changed, one gone; only the changed one is cleaned again.
    changed, gone = sorted(_inputs(inp))[:2]
    (inp / changed).write_bytes((inp / changed).read_bytes() + b"Advertisement\nOne more article line.\n")
    (inp / gone).unlink()
    res = run_cli(*run, "--prune", env=env)
    assert res.returncode == 0 and b"cleaned 1 file, 3 unchanged" in res.stdout
    assert b"1 input gone since the last run (pruned 3 outputs)" in res.stdout
    gone_stem = gone[: -len(".txt")]
    assert not any(o.startswith(gone_stem + ".") for o in _outputs(out))
    assert b"One more article line." in (out / changed).read_bytes()

    # restore rebuilds every remaining input byte for byte from the outputs alone.
    res = run_cli("restore", str(out), "--to", str(tmp_path / "back"), env=env)
    assert res.returncode == 0, res.stderr.decode()
    assert _inputs(tmp_path / "back") == _inputs(inp)
