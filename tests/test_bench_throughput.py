"""benchmarks/throughput.py's own logic on small fakes: the corpus it keeps between benchmarks, the wait for
an undisturbed disk, and the targets judged over rounds (the rows themselves are measured on demand)."""

from __future__ import annotations

from benchmarks import throughput


def _writer(calls: list[int]):
    def write(root, count):
        calls.append(count)
        root.mkdir(parents=True)
        (root / "a.txt").write_text("x" * count)
        return count

    return write


def test_a_dirs_corpus_is_kept_while_it_is_the_same_and_written_again_when_not(tmp_path):
    corpus, calls = tmp_path / "corpus", []
    assert throughput.reuse_or_write_corpus(corpus, 5, _writer(calls)) == 5
    assert throughput.reuse_or_write_corpus(corpus, 5, _writer(calls)) == 5
    assert calls == [5]  # the second benchmark deleted and wrote nothing
    assert throughput.reuse_or_write_corpus(corpus, 7, _writer(calls)) == 7
    assert calls == [5, 7] and (corpus / "a.txt").read_text() == "x" * 7
    (tmp_path / "corpus.json").write_text("{not json")  # a stamp cut short: written again, no error
    assert throughput.reuse_or_write_corpus(corpus, 7, _writer(calls)) == 7
    assert calls == [5, 7, 7]


def test_settle_waits_while_a_probe_is_slow(tmp_path, monkeypatch):
    costs = iter([400.0, 300.0, 20.0])  # us a file, as the probes would measure them
    clock = iter(range(0, 1000, 1))
    monkeypatch.setattr(throughput.os, "sync", lambda: None)
    monkeypatch.setattr(throughput, "_probe_us", lambda folder, n: next(costs))
    monkeypatch.setattr(throughput.time, "monotonic", lambda: float(next(clock)))
    slept = []
    monkeypatch.setattr(throughput.time, "sleep", slept.append)
    out = throughput.settle(tmp_path / "settle")
    assert out["us"] == 20.0 and len(slept) == 2 and out["waited"] > 0


def _round(one: float, two: float, dask: float, tree: str = "t") -> dict:
    run = lambda wall: {"wall": wall, "cpu": wall, "tree": tree}  # noqa: E731
    return {
        "engine": {"seconds": 3.0, "cpu_seconds": 3.0, "mb_per_s": 30.0, "mb_per_cpu_s": 30.0},
        "datatrove": {"seconds": 4.0, "cpu_seconds": 4.0, "mb_per_s": 20.0, "mb_per_cpu_s": 20.0},
        "copy": {"wall": 1.5, "cpu": 1.5},
        "copy, again": {"wall": 1.0, "cpu": 1.0},
        "run 1 worker": run(one),
        "run 2 workers": run(two),
        "run dask 2 workers": run(dask),
        "worker start, warm cache": {"seconds": 0.2},
        "two processes": {"scaling": 1.9, "all": [1.9], "engine_scaling": 1.6, "engine_all": [1.6]},
    }


def test_the_targets_take_the_faster_copy_and_the_median_of_the_rounds(capsys):
    rows = [_round(7.0, 4.0, 5.0), _round(9.0, 4.0, 6.0), _round(8.0, 5.0, 5.0)]
    first = {label: value for label, value, _, _ in throughput.checks(rows[0])}
    assert first["run, 1 worker, <= 2x (engine + the faster bare copy), wall"] == 7.0 / (3.0 + 1.0)
    throughput.report_median(rows)
    out = capsys.readouterr().out
    # 1 worker: 1.75, 2.25, 2.00 -> median 2.00 (met); 2 workers: 1.75, 2.25, 1.60 -> 1.75 (met)
    assert "2.00  (target <= 2.0)  met  (1.75, 2.25, 2.00)" in out
    assert "1.75  (target >= 1.7)  met  (1.75, 2.25, 1.60)" in out
    assert "in every round: True" in out
    assert "the engine's own ceiling (the engine twice at once)" in out and "(1.60, 1.60, 1.60)" in out
    throughput.report_median([_round(7.0, 4.0, 5.0), _round(7.0, 4.0, 5.0, tree="other")])
    assert "in every round: False" in capsys.readouterr().out


def test_host_steal_reads_the_steal_column(tmp_path):
    stat = tmp_path / "stat"
    stat.write_text("cpu  10 0 5 900 1 0 2 250 0 0\ncpu0 5 0 2 450 0 0 1 125 0 0\n")
    assert throughput.host_steal(str(stat)) == 250 / throughput.os.sysconf("SC_CLK_TCK")
    assert throughput.host_steal(str(tmp_path / "none")) == 0.0  # no /proc: nothing to say


def test_a_row_the_host_took_cores_from_is_flagged(capsys):
    quiet = {"wall": 10.0, "cpu": 9.0, "peak_mb": 100.0, "steal": 0.01}
    throughput.print_row("run 1 worker", quiet, 100.0)
    throughput.print_row("run 2 workers", {**quiet, "steal": 0.4}, 100.0)
    first, second = capsys.readouterr().out.splitlines()
    assert "host took" not in first and "host took 40%" in second


def test_tree_memory_sums_a_tree_that_grows_and_finds_its_members_rarely(monkeypatch):
    # A parent that starts two children holding ~40 MB each after 0.3 s: their memory is in the peak, and
    # the members were looked for far fewer times than the memory was sampled.
    hold = "import time; b = bytearray(40 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1.5)"
    script = (
        "import subprocess, sys, time; time.sleep(0.3); "
        f"ps = [subprocess.Popen([sys.executable, '-c', {hold!r}]) for _ in range(2)]; [p.wait() for p in ps]"
    )
    proc = throughput.subprocess.Popen([throughput.sys.executable, "-c", script])
    tree, finds, samples = throughput.TreeMemory(proc.pid), [], 0
    children = tree.root.children
    monkeypatch.setattr(tree.root, "children", lambda **kw: finds.append(1) or children(**kw))
    while proc.poll() is None:
        tree.sample()
        samples += 1
        throughput.time.sleep(tree.EVERY)
    assert tree.peak > 80 << 20
    assert samples > 20 and len(finds) <= samples / 4
