"""What `make bench` reads: each result's `resources` (the scenario
process's peak memory and CPU time, from wait4 in the parent)."""
import json

import jsonschema
from conftest import ROOT

FIX = ROOT / "tests" / "fixtures"
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
        assert set(res["resources"]) == {"max_rss_kib", "user_ms", "sys_ms"}
    # the program it waited for counts: 64 MiB written, and its CPU time
    assert hungry["resources"]["max_rss_kib"] >= 64 * 1024
    assert hungry["resources"]["user_ms"] + hungry["resources"]["sys_ms"] > 50
    # a scenario without programs: a real process, far below the program's 64 MiB
    assert 1024 < small["resources"]["max_rss_kib"] < 64 * 1024


def test_a_crashed_scenario_has_resources_too(tpmrun):
    p = tpmrun(FIX / "crashes.yaml", env={"ASAN_OPTIONS": "handle_segv=0"})
    assert p.returncode == 1
    res = tpmrun.result("crashes")
    assert res["status"] == "error"
    jsonschema.validate(res, RESULTS_SCHEMA)
    assert res["resources"]["max_rss_kib"] > 1024
