"""Reports made from real runs: the HTML report opened in headless Chromium,
JUnit and TAP (well-formed whatever a scenario or a program writes), the
console without terminal escapes, --repeat keeping every run, `tpmrun
report` merging results directories, and `tpmrun diff`."""
import json
import os
import re
import shutil
import stat
import subprocess
import threading
import xml.etree.ElementTree as ET

import jsonschema
import pytest
import yaml

from chromium import BrowserUnavailable, Chromium, pixel_variety
from conftest import ROOT, TPMRUN

FIX = ROOT / "tests" / "fixtures"
RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())
RUN_SET = ["small_ok", "fails_on_purpose", "crashes", "reports_hostile", "reports_known_answers",
           "reports_two_tpms"]
# what XML 1.0 cannot carry or discourages, and what the writers replace
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")


@pytest.fixture(scope="module")
def browser():
    try:
        chrome = Chromium()
    except BrowserUnavailable as e:
        pytest.skip(str(e))
    yield chrome
    chrome.close()


def run_set(tpmrun, results, *extra, names=RUN_SET):
    p = tpmrun("--results", results, *extra, *(FIX / f"{n}.yaml" for n in names))
    assert p.returncode in (0, 1), p.stdout + p.stderr
    return p


def load_runs(results_dir):
    """Every run in a results directory, as the reports see it."""
    runs = []
    for f in sorted(results_dir.glob("*.json")):
        r = json.loads(f.read_text())
        runs.extend(r["runs"] if "runs" in r else [r])
    return runs


def scenario_statuses(runs):
    """{scenario: status of the run that stands for it (the first that did not pass, else the last)}."""
    by_id = {}
    for r in runs:
        by_id.setdefault(r["scenario"], []).append(r)
    return {k: next((r["status"] for r in v if r["status"] != "passed"), v[-1]["status"]) for k, v in by_id.items()}


def commands_by_code(runs):
    """{command name: count} of the answered TPM commands: steps, connection and cleanup, every TPM."""
    counts = {}

    def add(cmds):
        for c in cmds or []:
            if c.get("answered", True):
                counts[c["command"]] = counts.get(c["command"], 0) + 1
    for r in runs:
        for s in r["steps"]:
            add(s.get("tpm_commands"))
        for t in (r["tpms"].values() if "tpms" in r else [r]):
            add(t.get("connect_commands"))
            add(t.get("cleanup", {}).get("tpm_commands"))
    return counts


def text_of(browser, selector):
    return browser.evaluate(f"document.querySelector({json.dumps(selector)}).textContent")


def count_of(browser, selector):
    return browser.evaluate(f"document.querySelectorAll({json.dumps(selector)}).length")


def check_page(browser, html, runs):
    """Opens the report; checks it loads cleanly and shows what the runs say."""
    browser.open(html)
    assert browser.errors() == []
    assert browser.requests() == [html.as_uri()], "the report fetched something"
    statuses = scenario_statuses(runs)
    want = {s: sum(1 for v in statuses.values() if v == s) for s in ("passed", "failed", "error", "skipped")}
    assert int(text_of(browser, "#n-scenarios")) == len(statuses)
    assert int(text_of(browser, "#n-passed")) == want["passed"]
    assert int(text_of(browser, "#n-failed")) == want["failed"]
    assert int(text_of(browser, "#n-errors")) == want["error"]
    assert int(text_of(browser, "#n-skipped")) == want["skipped"]
    assert count_of(browser, "details.scenario") == len(statuses)
    assert count_of(browser, "#failures article.failure") == sum(r["status"] in ("failed", "error") for r in runs)
    shown = browser.evaluate("Array.from(document.querySelectorAll('#latency-table tbody tr'))"
                             ".map(tr => [tr.cells[0].textContent, +tr.cells[2].textContent])")
    assert dict(shown) == commands_by_code(runs)
    assert count_of(browser, "#latency-chart g.row") == min(40, len(shown))
    return statuses


def test_html_report_of_a_run_in_chromium(tpmrun, tmp_path, browser):
    html = tmp_path / "report.html"
    run_set(tpmrun, tmp_path / "results", "--html", html)
    runs = load_runs(tmp_path / "results")
    statuses = check_page(browser, html, runs)
    assert statuses == {"small_ok": "passed", "fails_on_purpose": "failed", "crashes": "error",
                        "reports_hostile": "failed", "reports_known_answers": "passed", "reports_two_tpms": "passed"}

    # failures first, each with its step, response code and TPM command
    failures = browser.evaluate("Array.from(document.querySelectorAll('#failures article.failure'))"
                                ".map(a => a.textContent)")
    fop = next(t for t in failures if "fails_on_purpose" in t)
    assert "fails_on_purpose.yaml:8: step 3 of 3, esapi.hash \u201cwrong known answer\u201d" in fop
    assert "TPM2_RC_SUCCESS" in fop and "Hash (0x0000017d) by tpmrun" in fop
    assert "step 2 of 1, selftest.crash" in next(t for t in failures if "crashes" in t)    # it got no further
    assert browser.evaluate("document.querySelector('#failures').compareDocumentPosition("
                            "document.querySelector('#scenarios')) & Node.DOCUMENT_POSITION_FOLLOWING")

    # a timeline row per step and per TPM command; failed scenarios open
    ka = next(r for r in runs if r["scenario"] == "reports_known_answers")
    sel = "details.scenario[data-name='reports_known_answers']"
    assert count_of(browser, f"{sel} .tl .lbl:not(.cmd)") == len(ka["steps"])
    assert count_of(browser, f"{sel} .tl .lbl.cmd") == sum(len(s.get("tpm_commands", [])) for s in ka["steps"])
    assert browser.evaluate("document.querySelector(\"details.scenario[data-name='fails_on_purpose']\").open")
    assert not browser.evaluate(f'document.querySelector("{sel}").open')

    # hostile text is shown as text, never run
    assert browser.evaluate("window.pwned === undefined")
    assert count_of(browser, "script") == 1 and count_of(browser, "img") == 0
    hostile = text_of(browser, "details.scenario[data-name='reports_hostile']")
    assert "<script>window.pwned=1</script><img src=x" in hostile
    assert "\x1b" not in hostile and "\ufffe" not in hostile and "\u202e" not in hostile

    # identity and versions
    identity = text_of(browser, "#identity")
    tss = subprocess.run(["pkg-config", "--modversion", "tss2-esys"], capture_output=True, text=True).stdout.strip()
    assert 'IBM "SW   TPM"' in identity and "private swtpm" in identity and tss in identity

    # the script works: sort by max, filter by name
    col = browser.evaluate("Array.from(document.querySelectorAll('#latency-table th')).findIndex("
                           "th => th.textContent == 'max ms')")
    browser.evaluate(f"document.querySelectorAll('#latency-table th')[{col}].click()")
    maxes = browser.evaluate(f"Array.from(document.querySelectorAll('#latency-table tbody tr'))"
                             f".map(tr => +tr.cells[{col}].getAttribute('data-v'))")
    assert maxes == sorted(maxes, reverse=True)
    browser.evaluate(f"document.querySelectorAll('#latency-table th')[{col}].click()")
    assert browser.evaluate(f"+document.querySelector('#latency-table tbody tr').cells[{col}]"
                            f".getAttribute('data-v')") == min(maxes)
    browser.evaluate("const q = document.getElementById('filter'); q.value = 'known';"
                     "q.dispatchEvent(new Event('input'))")
    assert browser.evaluate("Array.from(document.querySelectorAll('details.scenario'))"
                            ".filter(d => d.style.display != 'none').length") == 1
    assert browser.errors() == []

    colours, drawn = pixel_variety(browser.screenshot())
    assert colours > 50 and drawn > 0.05, (colours, drawn)

    text = html.read_text()
    assert not re.search(r"""\b(src|href)\s*=\s*["'](?!#)""", text), "the report links outside itself"
    assert "Content-Security-Policy" in text


def test_report_subcommand_merges_shards(tpmrun, tmp_path, browser):
    a, b = tmp_path / "shard-a", tmp_path / "shard-b"
    run_set(tpmrun, a, names=["small_ok", "fails_on_purpose"])
    run_set(tpmrun, b, names=["reports_known_answers", "reports_two_tpms"])
    html, junit, tap = tmp_path / "all.html", tmp_path / "all.xml", tmp_path / "all.tap"
    p = subprocess.run([TPMRUN, "report", a, b, "--html", html, "--junit", junit, "--tap", tap],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("3 passed, 1 failed in ")
    runs = load_runs(a) + load_runs(b)
    check_page(browser, html, runs)
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "0")
    assert sorted(c.get("name") for c in root.iter("testcase")) == sorted(r["scenario"] for r in runs)
    assert tap.read_text().splitlines()[:2] == ["TAP version 13", "1..4"]

    p = subprocess.run([TPMRUN, "report", "-v", a], capture_output=True, text=True)
    assert p.returncode == 0
    assert re.search(r"^FAIL  fails_on_purpose .*\n( .*\n)*      .*fails_on_purpose.yaml:8: step 3 esapi.hash",
                     p.stdout, re.M)
    assert "esapi.get_random             passed" in p.stdout


def test_junit_and_tap_stay_well_formed_whatever_the_text(tpmrun, tmp_path):
    junit, tap = tmp_path / "j.xml", tmp_path / "t.tap"
    run_set(tpmrun, tmp_path / "results", "--junit", junit, "--tap", tap, names=["reports_hostile", "small_ok"])
    res = tpmrun.result("reports_hostile")
    assert "\x1b" in res["message"] and "\ufffe" in res["message"] and "\uffff" in res["steps"][0]["name"]

    raw = junit.read_bytes().decode("utf-8")
    assert not NOT_XML.search(raw)
    case = next(c for c in ET.parse(junit).getroot().iter("testcase") if c.get("name") == "reports_hostile")
    failure = case.find("failure")
    assert failure.get("message").startswith("step 2 exec (line 7): exit status 3, expected 0: fail \ufffd[31mred")
    assert failure.get("message").endswith(" <x>&amp;")
    description = case.find("properties/property[@name='description']").get("value")
    assert description.startswith("<script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> \ufffd[31mred")
    assert description == NOT_XML.sub("\ufffd", res["description"])
    out = case.find("system-out").text
    assert "esapi.get_random" in out and "<b>bold</b>" in out and "stderr with escapes" in out
    assert "      exit status 3" in out

    lines = tap.read_text().splitlines()
    assert lines[:3] == ["TAP version 13", "1..2", "not ok 1 - reports_hostile"]
    block = lines[lines.index("  ---") + 1:lines.index("  ...")]
    diag = yaml.safe_load("\n".join(block))
    assert diag["message"] == res["message"]        # every character carried, escaped
    assert (diag["severity"], diag["step"], diag["type"], diag["line"]) == ("fail", 2, "exec", 7)
    assert "ok 2 - small_ok" in lines


def test_console_passes_no_terminal_escapes(tpmrun, tmp_path):
    evil = tmp_path / "evil\x1b]0;title\x07.yaml"
    shutil.copy(FIX / "fails_on_purpose.yaml", evil)
    p = tpmrun("-v", FIX / "reports_hostile.yaml", evil)
    assert p.returncode == 1
    p2 = subprocess.run([TPMRUN, "report", "-v", tpmrun.results], capture_output=True, text=True)
    bad_step = tmp_path / "bad.yaml"
    bad_step.write_text('scenario: bad\nsteps:\n  - "esapi.\\e[31mcreate": {}\n')
    p3 = tpmrun(bad_step)
    assert p3.returncode == 2
    for out in (p.stdout + p.stderr, p2.stdout + p2.stderr, p3.stderr):
        assert not re.search("[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]", out), repr(out)
    assert "fail \\x1b[31mred\\x1b]0;pwned\\x07 \\u009b" in p.stdout
    assert "step \\x1b]0;title\\x07 <b>bold</b>" in p.stdout
    assert "evil\\x1b]0;title\\x07.yaml:8: step 3 esapi.hash" in p.stdout
    assert "fail \\x1b[31mred" in p2.stdout
    assert "esapi.\\x1b[31mcreate" in p3.stderr


def test_skipped_results_in_junit_tap_and_html(tpmrun, tmp_path):
    """No run writes "skipped" yet; a real result marked so stands for one."""
    results = tmp_path / "results"
    run_set(tpmrun, results, names=["small_ok", "fails_on_purpose"])
    f = results / "small_ok.json"
    r = json.loads(f.read_text())
    r.update(status="skipped", message="not on this TPM # really")
    jsonschema.validate(r, RESULTS_SCHEMA)
    f.write_text(json.dumps(r))
    junit, tap, html = tmp_path / "j.xml", tmp_path / "t.tap", tmp_path / "r.html"
    p = subprocess.run([TPMRUN, "report", results, "--junit", junit, "--tap", tap, "--html", html],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("0 passed, 1 failed, 1 skipped in ")
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("2", "1", "1")
    case = next(c for c in root.iter("testcase") if c.get("name") == "small_ok")
    assert case.find("skipped").get("message") == "not on this TPM # really"
    assert "ok 2 - small_ok # SKIP not on this TPM \\# really" in tap.read_text().splitlines()
    assert re.search(r'id="n-skipped">1<', html.read_text())
    p = subprocess.run([TPMRUN, "report", results], capture_output=True, text=True)
    assert re.search(r"^SKIP  small_ok .*\n      .*small_ok.yaml: not on this TPM", p.stdout, re.M)


def test_reports_go_into_a_fifo_as_it_is(tpmrun, tmp_path):
    """A report path that is not a regular file (/dev/stdout, a FIFO) is
    written into, not renamed over."""
    results = tmp_path / "results"
    run_set(tpmrun, results, names=["small_ok"])
    fifo = tmp_path / "tap.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    p = subprocess.run([TPMRUN, "report", results, "--tap", fifo], capture_output=True, text=True, timeout=60)
    reader.join(60)
    assert p.returncode == 0, p.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert got == ["TAP version 13\n1..1\nok 1 - small_ok\n"]


def nearest_rank(values, q):
    v = sorted(values)
    return v[max(0, -(-len(v) * q // 100) - 1)]


def test_repeat_keeps_every_run(tpmrun, tmp_path):
    junit, tap = tmp_path / "j.xml", tmp_path / "t.tap"
    p = run_set(tpmrun, tmp_path / "results", "--repeat", "3", "--junit", junit, "--tap", tap, "--timings",
                names=["small_ok", "fails_on_purpose"])
    assert re.search(r"^step type +runs +min ms +median ms +p95 ms +max ms", p.stdout, re.M)
    for name, status in (("small_ok", "passed"), ("fails_on_purpose", "failed")):
        r = json.loads((tmp_path / "results" / f"{name}.json").read_text())
        jsonschema.validate(r, RESULTS_SCHEMA)
        assert [x["run"] for x in r["runs"]] == [1, 2, 3]
        assert r["status"] == status and r["repeat"][status if status != "error" else "error"] == 3
        assert r["repeat"]["shown"] == (1 if status == "failed" else 3)
        assert r["steps"] == [dict(s, repeat=r["steps"][i]["repeat"])
                              for i, s in enumerate(r["runs"][r["repeat"]["shown"] - 1]["steps"])]
        for i, s in enumerate(r["steps"]):
            durations = [run["steps"][i]["duration_ms"] for run in r["runs"]]
            want = {"min": min(durations), "median": sorted(durations)[1], "p95": nearest_rank(durations, 95),
                    "max": max(durations)}
            assert s["repeat"]["runs"] == 3
            assert s["repeat"]["duration_ms"] == pytest.approx(want, abs=1e-3)
    names = [c.get("name") for c in ET.parse(junit).getroot().iter("testcase")]
    assert len(names) == 6 and len(set(names)) == 6 and "small_ok [run 2]" in names
    assert tap.read_text().splitlines()[1] == "1..6"
    again = tmp_path / "again.xml"
    p = subprocess.run([TPMRUN, "report", tmp_path / "results", "--junit", again, "--html", tmp_path / "r.html"],
                       capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert sorted(c.get("name") for c in ET.parse(again).getroot().iter("testcase")) == sorted(names)
    html = (tmp_path / "r.html").read_text()
    assert 'id="n-runs">6<' in html and 'id="n-scenarios">2<' in html and "3 runs: 3 passed" in html


def test_nearest_rank_helper():
    assert nearest_rank(list(range(1, 21)), 95) == 19 and nearest_rank([5], 95) == 5


def diff(*args):
    return subprocess.run([TPMRUN, "diff", *map(str, args)], capture_output=True, text=True)


def section(out, title):
    return out.split(title, 1)[1].split("\n\n", 1)[0]


def test_diff_of_two_runs_of_the_same_scenarios_finds_nothing(tpmrun, tmp_path):
    """Keys, names, random bytes, signatures, nonces and a policy naming a
    fresh key differ between the runs: none of it is a change."""
    names = ["reports_known_answers", "small_ok", "fails_on_purpose", "reports_two_tpms"]
    run_set(tpmrun, tmp_path / "old", names=names)
    run_set(tpmrun, tmp_path / "new", names=names)
    old, new = (json.loads((tmp_path / d / "reports_known_answers.json").read_text()) for d in ("old", "new"))
    assert old["steps"][1]["outputs"]["public"] != new["steps"][1]["outputs"]["public"]
    p = diff(tmp_path / "old", tmp_path / "new", "--min-ms", "1e9")
    assert p.returncode == 0, p.stdout + p.stderr
    assert section(p.stdout, "scenarios:\n") == "  no changes"
    assert "\n0 regressions (0 status, 0 response code, 0 slower commands); 0 output changes" in p.stdout
    p = diff(tmp_path / "old" / "small_ok.json", tmp_path / "new" / "small_ok.json", "--min-ms", "1e9")
    assert p.returncode == 0 and p.stdout.startswith("OLD: 1 scenarios (1 runs), NEW: 1 scenarios (1 runs)")


def test_diff_finds_status_and_response_code_changes(tpmrun, tmp_path):
    run_set(tpmrun, tmp_path / "old", names=["reports_known_answers"])
    run_set(tpmrun, tmp_path / "new", "--fault", "drop,commands=Hash,times=1", names=["reports_known_answers"])
    p = diff(tmp_path / "old", tmp_path / "new", "--min-ms", "1e9")       # status and codes only
    assert p.returncode == 1, p.stdout + p.stderr
    lines = section(p.stdout, "scenarios:\n").splitlines()
    assert lines[0].startswith("  reports_known_answers: passed -> failed (Esys_Hash: TSS2_TCTI_RC_IO_ERROR")
    assert lines[0].endswith("  REGRESSION")
    assert lines[1] == ("  reports_known_answers: step 5 esapi.hash (line 14): response code 0x00000000 "
                        "TPM2_RC_SUCCESS -> 0x000a000a TSS2_TCTI_RC_IO_ERROR  REGRESSION")
    assert lines[2] == "  reports_known_answers: 17 steps ran in OLD, 5 in NEW"
    assert "2 regressions (1 status, 1 response code, 0 slower commands)" in p.stdout
    back = diff(tmp_path / "new", tmp_path / "old", "--min-ms", "1e9")
    assert back.returncode == 1           # the response code changed back: a change all the same
    assert "reports_known_answers: failed -> passed\n" in back.stdout and "1 better status" in back.stdout


def test_diff_finds_slower_commands(tpmrun, tmp_path):
    run_set(tpmrun, tmp_path / "old", names=["reports_known_answers"])
    run_set(tpmrun, tmp_path / "new", "--fault", "delay_ms=20,commands=Hash", names=["reports_known_answers"])
    p = diff(tmp_path / "old", tmp_path / "new")
    assert p.returncode == 1, p.stdout + p.stderr
    hash_line = next(line for line in p.stdout.splitlines() if line.startswith("  Hash "))
    assert re.fullmatch(r"  Hash +6 +6 +\d+\.\d{3} +2\d\.\d{3} +\+\d+\.\d%  SLOWER", hash_line), hash_line
    assert section(p.stdout, "scenarios:\n") == "  no changes"
    p = diff(tmp_path / "old", tmp_path / "new", "--slower", "1000000%")
    assert p.returncode == 0 and not re.search(r"^  Hash .*(SLOWER|few)$", p.stdout, re.M)
    p = diff(tmp_path / "old", tmp_path / "new", "--min-count", "7", "--min-ms", "5")
    assert p.returncode == 0 and re.search(r"^  Hash .*  few$", p.stdout, re.M)


def test_diff_reports_output_changes_but_not_volatile_ones(tpmrun, tmp_path):
    run_set(tpmrun, tmp_path / "old", names=["reports_known_answers"])
    shutil.copytree(tmp_path / "old", tmp_path / "new")
    f = tmp_path / "new" / "reports_known_answers.json"
    r = json.loads(f.read_text())
    pcr_policy = r["steps"][13]["outputs"]["digest"]["hex"]
    r["steps"][4]["outputs"]["digest"]["hex"] = "00" * 32          # a known answer (SHA-256 of "one")
    r["steps"][13]["outputs"]["digest"]["hex"] = "11" * 32         # the PCR policy's digest
    r["steps"][3]["outputs"]["random"]["hex"] = "22" * 8           # random: differs anyway
    r["steps"][5]["outputs"]["signature"]["hex"] = "33" * 8        # a signature: differs anyway
    f.write_text(json.dumps(r))
    p = diff(tmp_path / "old", tmp_path / "new", "--min-ms", "1e9")
    assert p.returncode == 0, p.stdout + p.stderr     # outputs are told, not judged
    assert section(p.stdout, "scenarios:\n").splitlines() == [
        "  reports_known_answers: step 5 esapi.hash: output digest: 7692c3ad3540bb803c020b3aee66cd88... "
        "(32 bytes) -> 00000000000000000000000000000000... (32 bytes)",
        f"  reports_known_answers: step 14 esapi.policy_get_digest: output digest: {pcr_policy[:32]}... "
        f"(32 bytes) -> {'1' * 32}... (32 bytes)"]
    p = diff(tmp_path / "old", tmp_path / "new", "--min-ms", "1e9", "--ignore", "esapi.hash:digest",
             "--ignore", "dig*")
    assert section(p.stdout, "scenarios:\n") == "  no changes"


@pytest.mark.parametrize("args,code,text", [
    (["diff", "--help"], 0, "usage: tpmrun diff [options] OLD NEW"),
    (["report", "--help"], 0, "usage: tpmrun report [options] RESULTS..."),
    (["diff", "only-one"], 2, "expects two results directories or files (OLD NEW), not 1"),
    (["diff", "--slower", "fast", "a", "b"], 2, "--slower expects a percentage such as 20%, not 'fast'"),
    (["diff", "--min-count", "2.5", "a", "b"], 2, "--min-count expects a whole number"),
    (["diff", "/nonexistent/a", "/nonexistent/b"], 2, "cannot read /nonexistent/a: No such file or directory"),
    (["report"], 2, "no results directories or files given"),
    (["report", "--bogus", "x"], 2, "Try 'tpmrun report --help'."),
    (["--help"], 0, "--html FILE"),
    (["--help"], 0, "tpmrun diff [options] OLD NEW"),
])
def test_subcommand_usage(args, code, text):
    p = subprocess.run([TPMRUN, *args], capture_output=True, text=True)
    assert p.returncode == code, p.stdout + p.stderr
    assert text in p.stdout + p.stderr


def test_report_rejects_what_is_not_a_result(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"scenario": "x",\n  "status": }\n')
    p = subprocess.run([TPMRUN, "report", bad], capture_output=True, text=True)
    assert p.returncode == 2 and f"{bad}:2:13: error: not JSON" in p.stderr
    other = tmp_path / "dir"
    other.mkdir()
    (other / "config.json").write_text('{"a": 1}')
    p = subprocess.run([TPMRUN, "report", other, "--html", tmp_path / "r.html"], capture_output=True, text=True)
    assert p.returncode == 2 and "config.json:1:1: error: not a tpmrun result" in p.stderr
    assert not (tmp_path / "r.html").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    p = subprocess.run([TPMRUN, "diff", empty, other], capture_output=True, text=True)
    assert p.returncode == 2 and "no results (*.json) in this directory" in p.stderr
