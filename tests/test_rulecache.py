"""The on-disk ruleset cache (issue 15): keyed by the ruleset's sources, rebuilt when torn, and pool
workers get the run's ruleset by reference."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from cleaners import ConfigError, load_ruleset
from flows.run import rulecache
from flows.run.rulecache import RulesetFile, cached_load_ruleset, resolve_ruleset, ruleset_key


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BOILERCLEAN_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_second_load_comes_from_the_cache_and_is_the_same_ruleset(cache, monkeypatch):
    first = cached_load_ruleset()
    entries = list(cache.glob("ruleset-*.pickle"))
    assert len(entries) == 1 and first.hash == load_ruleset().hash
    monkeypatch.setattr(rulecache, "load_ruleset", lambda config=None: pytest.fail("compiled again"))
    assert cached_load_ruleset().hash == first.hash


def test_a_changed_config_is_a_new_entry(cache, tmp_path):
    config = tmp_path / "rules.yaml"
    config.write_text("cleaners:\n  advertisement:\n    enabled: false\n", encoding="utf-8")
    a = cached_load_ruleset(str(config))
    key_a = ruleset_key(str(config))
    config.write_text("cleaners:\n  cookie_banner:\n    enabled: false\n", encoding="utf-8")
    b = cached_load_ruleset(str(config))
    assert ruleset_key(str(config)) != key_a and a.hash != b.hash
    assert b.hash == load_ruleset(str(config)).hash
    assert len(list(cache.glob("ruleset-*.pickle"))) == 2


def test_a_torn_entry_is_rebuilt_and_a_bad_config_still_fails(cache, tmp_path):
    cached_load_ruleset()
    (entry,) = cache.glob("ruleset-*.pickle")
    entry.write_bytes(b"\x80\x05torn")
    assert cached_load_ruleset().hash == load_ruleset().hash
    assert pickle.loads(entry.read_bytes()).hash == load_ruleset().hash
    bad = tmp_path / "bad.yaml"
    bad.write_text("cleaners: [\n", encoding="utf-8")
    with pytest.raises(ConfigError):
        cached_load_ruleset(str(bad))
    with pytest.raises(ConfigError):
        cached_load_ruleset(str(tmp_path / "missing.yaml"))


def test_workers_get_the_ruleset_by_reference(cache, tmp_path):
    ruleset = load_ruleset()
    shared = RulesetFile(ruleset, str(tmp_path / "out"))
    assert Path(shared.path).parent == tmp_path / "out" / ".boilerclean"
    try:
        ref = pickle.loads(pickle.dumps(shared.ref))
        assert len(pickle.dumps(shared.ref)) < 500  # what a batch carries, instead of ~200 KB
        assert resolve_ruleset(ref).hash == ruleset.hash
        assert resolve_ruleset(ref) is resolve_ruleset(ref)  # loaded once per process
    finally:
        shared.close()
    assert not Path(shared.path).exists()
    assert resolve_ruleset(ruleset) is ruleset


def test_a_pool_worker_warms_up_with_the_cached_ruleset_and_never_compiles_one(cache, monkeypatch):
    """A pool worker cleans a few lines with the run's cached ruleset as it starts (its first document's
    one-off cost then overlaps the run's plan); with no cache entry it does nothing rather than compile."""
    import cleaners
    from flows.run import dispatch

    cleaned = []
    real = cleaners.clean_text

    def spy(text, rs, **kw):
        cleaned.append(rs.hash)
        return real(text, rs)

    monkeypatch.setattr(rulecache, "load_ruleset", lambda config=None: pytest.fail("compiled in a worker"))
    monkeypatch.setattr("cleaners.clean_text", spy)
    dispatch.warm_up(None)  # nothing cached yet
    assert cleaned == []
    monkeypatch.undo()
    monkeypatch.setenv("BOILERCLEAN_CACHE_DIR", str(cache))
    first = cached_load_ruleset()
    monkeypatch.setattr("cleaners.clean_text", spy)
    dispatch.warm_up(None)
    assert cleaned == [first.hash]


def test_a_worker_that_warmed_up_with_the_runs_entry_does_not_read_the_runs_file(
    cache, tmp_path, monkeypatch
):
    # As in a pool worker forked from the run's fork server: the warm-up read the cache entry that the run
    # loaded, so the batches' reference resolves to that copy; a ruleset the run changed (a dry run) is
    # not that entry, and comes from the run's file.
    monkeypatch.setattr(rulecache, "_WARM", {})
    monkeypatch.setattr(rulecache, "_LOADED", {})
    monkeypatch.setattr(rulecache, "_ENTRIES", {})
    cached_load_ruleset()  # compiled and cached
    ruleset = cached_load_ruleset()  # as the run loads it
    # Forked from the run itself (dispatch.FORK_POOL), the warm-up takes the run's copy: nothing read.
    assert rulecache.cached_ruleset(None) is ruleset
    monkeypatch.setattr(rulecache, "_WARM", {})
    monkeypatch.setattr(rulecache, "_ENTRIES", {})  # a fork server has not loaded the run's entry
    warm = rulecache.cached_ruleset(None)  # the fork server's warm-up reads it
    rulecache._ENTRIES.update({k: ruleset for k in rulecache._WARM})  # the run's, as it loaded it
    assert warm is not ruleset and warm.hash == ruleset.hash
    same, shadow = (
        RulesetFile(r, str(tmp_path / name)) for r, name in [(ruleset, "a"), (ruleset.all_shadow(), "b")]
    )
    try:
        refs = [pickle.loads(pickle.dumps(f.ref)) for f in (same, shadow)]
        Path(same.path).write_bytes(b"not read")
        assert resolve_ruleset(refs[0]) is warm
        assert resolve_ruleset(refs[1]).hash == ruleset.all_shadow().hash != warm.hash
    finally:
        same.close()
        shadow.close()
    assert refs[1].entry is None
