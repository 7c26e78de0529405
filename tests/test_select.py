"""Choosing what runs, as pytest users do: --list, -k, --tag/--exclude-tag,
--last-failed, --shard K/N (by id, or balanced by an earlier run's
durations).  Through the real binary; --list runs nothing."""
import json

from conftest import ROOT


def listed(tpmrun, *args):
    p = tpmrun("--list", *args)
    assert p.returncode == 0, p.stderr
    return [line.split("\t") for line in p.stdout.splitlines()]


def ids(tpmrun, *args):
    return [row[0] for row in listed(tpmrun, *args)]


def write(tmp_path, name, tags, fail=False):
    step = "assert.equal: {actual: 1, expected: 2}" if fail else "esapi.get_random: {bytes: 4}"
    (tmp_path / f"{name}.yaml").write_text(f"scenario: {name}\ntags: [{', '.join(tags)}]\nsteps:\n  - {step}\n")


def suite(tmp_path):
    d = tmp_path / "suite"
    d.mkdir()
    write(d, "alpha_ecc", ["ecc", "fast"])
    write(d, "alpha_rsa", ["rsa", "slow"])
    write(d, "beta_ecc", ["ecc"])
    write(d, "gamma", [], fail=True)
    return d


def test_list_prints_id_file_and_tags(tpmrun, tmp_path):
    d = suite(tmp_path)
    rows = listed(tpmrun, d)
    assert rows[0] == ["alpha_ecc", str(d / "alpha_ecc.yaml"), "ecc,fast"]
    assert [r[0] for r in rows] == ["alpha_ecc", "alpha_rsa", "beta_ecc", "gamma"]
    assert not tpmrun.results.exists()      # nothing ran


def test_k_takes_substrings_and_globs(tpmrun, tmp_path):
    d = suite(tmp_path)
    assert ids(tpmrun, "-k", "ecc", d) == ["alpha_ecc", "beta_ecc"]
    assert ids(tpmrun, "-k", "alpha*", d) == ["alpha_ecc", "alpha_rsa"]
    assert ids(tpmrun, "-k", "*_rsa", "-k", "gam", d) == ["alpha_rsa", "gamma"]     # any match
    assert ids(tpmrun, "-k", "a?pha_ecc", d) == ["alpha_ecc"]


def test_tags_select_and_exclude(tpmrun, tmp_path):
    d = suite(tmp_path)
    assert ids(tpmrun, "--tag", "ecc", d) == ["alpha_ecc", "beta_ecc"]
    assert ids(tpmrun, "--tag", "fast", "--tag", "slow", d) == ["alpha_ecc", "alpha_rsa"]
    assert ids(tpmrun, "--exclude-tag", "ecc", d) == ["alpha_rsa", "gamma"]
    assert ids(tpmrun, "--tag", "ecc", "--exclude-tag", "fast", "-k", "_ecc", d) == ["beta_ecc"]


def test_nothing_selected_is_exit_5(tpmrun, tmp_path):
    d = suite(tmp_path)
    p = tpmrun("-k", "nomatch", d)
    assert p.returncode == 5
    assert p.stderr == "tpmrun: no scenario selected (4 loaded)\n"


def test_last_failed_reruns_the_failures(tpmrun, tmp_path):
    d = suite(tmp_path)
    p = tpmrun("-j", "2", d)
    assert p.returncode == 1
    assert ids(tpmrun, "--last-failed", d) == ["gamma"]
    p = tpmrun("--last-failed", d)
    assert p.returncode == 1 and "gamma" in p.stdout and "alpha_ecc" not in p.stdout
    (d / "gamma.yaml").write_text("scenario: gamma\nsteps:\n  - esapi.get_random: {bytes: 4}\n")
    assert tpmrun("--last-failed", d).returncode == 0
    # none failed: all run, and it says so (as pytest does)
    p = tpmrun("--list", "--last-failed", d)
    assert [r.split("\t")[0] for r in p.stdout.splitlines()] == ["alpha_ecc", "alpha_rsa", "beta_ecc", "gamma"]
    assert "no scenario failed in the last run" in p.stderr


def test_shards_are_disjoint_and_cover_the_suite(tpmrun):
    every = ids(tpmrun, ROOT / "scenarios")
    for n in (1, 3):        # each --list loads the whole tree (slow under ASan)
        parts = [ids(tpmrun, "--shard", f"{k}/{n}", ROOT / "scenarios") for k in range(1, n + 1)]
        assert sorted(sum(parts, [])) == sorted(every)
        assert max(map(len, parts)) - min(map(len, parts)) <= 1      # by id: even counts
        for part in parts:
            assert part == [i for i in every if i in part]             # the suite's order


def test_shards_balance_an_earlier_runs_durations(tpmrun, tmp_path):
    d = suite(tmp_path)
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    for name, ms in [("alpha_ecc", 100), ("alpha_rsa", 9000), ("beta_ecc", 200), ("gamma", 300)]:
        (earlier / f"{name}.json").write_text(json.dumps({"scenario": name, "duration_ms": ms}))
    one = ids(tpmrun, "--shard", "1/2", "--durations", earlier, d)
    two = ids(tpmrun, "--shard", "2/2", "--durations", earlier, d)
    assert one == ["alpha_rsa"] and two == ["alpha_ecc", "beta_ecc", "gamma"]


def test_bad_shards_are_usage_errors(tpmrun, tmp_path):
    for bad in ("0/2", "3/2", "2", "a/b", "1/0", "1/2x"):
        p = tpmrun("--shard", bad, tmp_path)
        assert p.returncode == 2
        assert p.stderr == f"tpmrun: --shard expects K/N with 1 <= K <= N (1/4 ... 4/4), not '{bad}'\n"
