"""What `make bench` reads and runs: each result's `resources` (the
scenario process's peak memory and CPU time, from wait4 in the parent, and
its own peak without its programs), and
tests/bench/bench.py itself (its --help, a one-run smoke test, a pytss
script in turns with tpmrun).  Figures, not time limits: nothing here
asserts how fast anything is."""
import json
import os
import subprocess
import sys

import jsonschema
import pytest

from conftest import ROOT, TPMRUN

FIX = ROOT / "tests" / "fixtures"
BENCH = ROOT / "tests" / "bench" / "bench.py"
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())

# a program that holds 64 MiB (written, so resident) and spends CPU time
HUNGRY = """scenario: hungry
steps:
  - esapi.get_random: {bytes: 8}
  - exec:
      argv: [/usr/bin/python3, -c, "b = b'x' * (64 << 20); n = sum(range(3000000))"]
"""


def test_resources_are_the_scenario_process_and_its_programs(tpmrun, tmp_path):
    (tmp_path / "hungry.yaml").write_text(HUNGRY)
    p = tpmrun(tmp_path / "hungry.yaml", FIX / "small_ok.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    hungry, small = tpmrun.result("hungry"), tpmrun.result("small_ok")
    for res in (hungry, small):
        jsonschema.validate(res, RESULTS_SCHEMA)
        assert set(res["resources"]) == {"max_rss_kib", "self_max_rss_kib", "user_ms", "sys_ms"}
    # the program it waited for counts: 64 MiB written, and its CPU time
    assert hungry["resources"]["max_rss_kib"] >= 64 * 1024
    assert hungry["resources"]["user_ms"] + hungry["resources"]["sys_ms"] > 50
    # ... but not in the scenario process's own peak
    assert 1024 < hungry["resources"]["self_max_rss_kib"] < 64 * 1024
    # a scenario without programs: a real process, far below the program's 64 MiB
    assert 1024 < small["resources"]["max_rss_kib"] < 64 * 1024
    assert small["resources"]["self_max_rss_kib"] <= small["resources"]["max_rss_kib"]


def test_a_crashed_scenario_has_resources_too(tpmrun):
    p = tpmrun(FIX / "crashes.yaml", env={"ASAN_OPTIONS": "handle_segv=0"})
    assert p.returncode == 1
    res = tpmrun.result("crashes")
    assert res["status"] == "error"
    jsonschema.validate(res, RESULTS_SCHEMA)
    assert res["resources"]["max_rss_kib"] > 1024
    assert "self_max_rss_kib" not in res["resources"]    # it died before it could say


def bench(private_tmp, *args, timeout=300):
    env = dict(os.environ, TMPDIR=str(private_tmp))
    return subprocess.run([sys.executable, str(BENCH), "--tpmrun", TPMRUN, *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=ROOT)


def test_bench_help(private_tmp):
    p = bench(private_tmp, "--help")
    assert p.returncode == 0
    for opt in ("--runs", "--pytss", "--baseline", "--scaling-runs", "--no-scaling", "--json", "-k"):
        assert opt in p.stdout


def test_bench_one_run_of_one_scenario(private_tmp, tmp_path):
    out = tmp_path / "bench.json"
    p = bench(private_tmp, "-n", "1", "-k", "small_ok", "--no-scaling", "--json", out, FIX / "small_ok.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    row = next(line for line in p.stdout.splitlines() if line.startswith("small_ok "))
    assert "FAILED" not in row
    data = json.loads(out.read_text())
    (r,) = data["rows"]
    run = r["runs"][0]
    assert run["status"] == "passed"
    # the figures are the results file's, and add up: wall > scenario > TPM
    assert r["wall_ms"] > r["duration_ms"] > r["tpm_ms"] > 0
    assert r["outside_ms"] == pytest.approx(r["wall_ms"] - r["duration_ms"])
    assert r["rss_kib"] > 1024 and r["programs_ms"] == 0
    # the goal lines are there, each judged or said to be unmeasured
    goals = p.stdout.split("goals")[1]
    assert "not measured (make bench PYTSS_EXAMPLES=DIR)" in goals
    assert "-j 2 >= 1.8x -j 1: not measured" in goals
    assert "peak memory of a scenario process < 8 MiB" in goals
    assert "engine time outside the TPM < 2 ms per scenario" in goals


GOOD_SCRIPT = """from tpm2_pytss import ESAPI, TPM2_SU
ectx = ESAPI(tcti="swtpm:port=2341")
ectx.startup(TPM2_SU.CLEAR)
assert len(ectx.get_random(8)) == 8
"""


def test_bench_runs_a_pytss_script_in_turns(private_tmp, tmp_path):
    """A script named like the scenario runs against the bench's own swtpm
    (its port put in for the script's swtpm:port=N), twice: startup(CLEAR)
    works again after the reset.  A script that fails is reported, not
    left out."""
    pytss = tmp_path / "pytss"
    pytss.mkdir()
    (pytss / "small_ok.py").write_text(GOOD_SCRIPT)
    # it says why on stdout, as some of the examples do
    (pytss / "fails_on_purpose.py").write_text("import sys\nTCTI = 'swtpm:port=2321'\n"
                                               "print('this script fails on purpose')\nsys.exit(1)\n")
    out = tmp_path / "bench.json"
    p = bench(private_tmp, "-n", "2", "--no-scaling", "--pytss", pytss, "--json", out,
              FIX / "small_ok.yaml", FIX / "fails_on_purpose.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    rows = {r["scenario"]: r for r in json.loads(out.read_text())["rows"]}
    ok = rows["small_ok"]["pytss"]
    assert [r["ok"] for r in ok["runs"]] == [True, True], ok
    assert ok["wall_ms"] > 0 and ok["rss_kib"] > 1024 and ok["ratio"] > 0
    assert rows["fails_on_purpose"]["pytss"]["failed"].startswith("exit 1: this script fails on purpose")
    assert "FAILED (exit 1: this script fails on purpose" in p.stdout
    # the scenario that fails on purpose is said to fail too
    assert rows["fails_on_purpose"]["failed"].startswith("failed")
    # the directory is only read
    assert sorted(f.name for f in pytss.iterdir()) == ["fails_on_purpose.py", "small_ok.py"]


def test_a_swtpm_that_dies_while_starting_is_named(tpmrun, tmp_path):
    """tpmrun does not wait for its private swtpm to serve before it forks
    the scenario process; that process waits, and when the swtpm ends
    instead the result says so with the swtpm's last log line."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "swtpm"
    fake.write_text("#!/bin/sh\n"
                    "for a; do case $a in file=*) f=${a#file=}; f=${f%%,*};; esac; done\n"
                    "sleep 0.2; echo 'swtpm: no state for you' >> \"$f\"; exit 3\n")
    fake.chmod(0o755)
    p = tpmrun(FIX / "small_ok.yaml", env={"PATH": f"{bindir}:{os.environ['PATH']}"})
    assert p.returncode == 1, p.stdout + p.stderr
    res = tpmrun.result("small_ok")
    assert res["status"] == "error"
    assert res["message"] == "swtpm exited during startup: swtpm: no state for you"
    jsonschema.validate(res, RESULTS_SCHEMA)


def test_swtpm_startup_is_measured_where_it_is_waited_for(tpmrun):
    p = tpmrun("-j", "2", FIX / "small_ok.yaml", ROOT / "scenarios" / "esapi" / "esapi_duplicate_two_tpms.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    small = tpmrun.result("small_ok")
    assert small["tpm"]["swtpm_startup_ms"] > 0
    two = tpmrun.result("esapi_duplicate_two_tpms")
    for name, t in two["tpms"].items():
        assert t["swtpm_startup_ms"] > 0, name
