"""Hardening (issue 11): hostile file names and text, odd files and
options, processes that must not outlive tpmrun, untrusted scenario files,
and a parent that does not keep every result in memory.  Real binary, real
swtpm."""
import json
import os
import pathlib
import signal
import subprocess
import textwrap
import time

import pytest

from conftest import ROOT, TPMRUN

FIX = ROOT / "tests" / "fixtures"
SMALL = (FIX / "small_ok.yaml").read_text()


def write(path, text):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def results_files(results):
    return sorted(results.glob("*.json"))


# ---- text that is not UTF-8 ------------------------------------------------------------------

def test_scenario_path_that_is_not_utf8(tpmrun, tmp_path):
    """A Latin-1 directory and file name: the result is written, valid JSON,
    with each byte that is not UTF-8 as U+FFFD (it used to corrupt memory and
    print 'ERROR (null)')."""
    d = os.path.join(os.fsencode(tmp_path), b"dir\xe9")
    os.mkdir(d)
    with open(os.path.join(d, b"caf\xe9.yaml"), "w") as f:
        f.write(SMALL.replace("scenario: small_ok\n", ""))     # the id comes from the file name
    p = subprocess.run([os.fsencode(TPMRUN), b"--results", os.fsencode(tpmrun.results), d],
                       capture_output=True, env=tpmrun.env(), timeout=120)
    out = p.stdout.decode(errors="replace")
    assert p.returncode == 0, out + p.stderr.decode(errors="replace")
    assert "(null)" not in out
    files = results_files(tpmrun.results)
    assert [f.name for f in files] == ["caf\ufffd.json"]
    res = json.loads(files[0].read_bytes().decode("utf-8"))      # strict: valid UTF-8
    assert res["status"] == "passed"
    assert res["scenario"] == "caf\ufffd"
    assert res["file"].endswith("dir\ufffd/caf\ufffd.yaml")


def test_a_string_with_a_nul_keeps_its_result(tpmrun, tmp_path):
    """A string holding NUL ("\\0" in YAML) reaches the results as \\u0000;
    the result used to be dropped ('exited with status 0 before reporting')."""
    path = write(tmp_path / "nul.yaml", r"""
        scenario: nul
        vars:
          x: "a\0b"
        steps:
          - assert.equal: {actual: "${x}", expected: "${x}"}
        """)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("nul")
    assert res["status"] == "passed"
    assert res["steps"][0]["inputs"]["actual"] == "a\0b"


# ---- odd files and options -----------------------------------------------------------------

def test_check_refuses_a_fifo_instead_of_blocking(tpmrun, tmp_path):
    fifo = tmp_path / "data.bin"
    os.mkfifo(fifo)
    path = write(tmp_path / "f.yaml", """
        scenario: f
        steps:
          - esapi.hash: {data: {file: data.bin}}
        """)
    p = tpmrun("--check", path, timeout=20)
    assert p.returncode == 2
    assert p.stderr.strip() == f"{path}:4:31: error: cannot read file 'data.bin': " \
                               "not a regular file (a FIFO, a socket or a device)"
    # the scenario path itself
    p = tpmrun("--check", fifo, timeout=20)
    assert p.returncode == 2
    assert "not a regular file" in p.stderr and p.stderr.startswith(f"{fifo}:1:1: error:")


def test_a_fifo_in_a_directory_walk_is_refused_too(tpmrun, tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    p = tpmrun("--check", tmp_path, timeout=20)
    assert p.returncode == 2
    assert "pipe.yaml:1:1: error: cannot open scenario file: not a regular file" in p.stderr


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf", "1e400", "", "abc", "604801", "1e9"])
def test_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(tpmrun, value):
    p = tpmrun("--timeout", value, "--check", FIX / "small_ok.yaml")
    assert p.returncode == 2
    assert p.stderr == f"tpmrun: --timeout expects seconds from 0 (none) to 604800, not '{value}'\n"


@pytest.mark.parametrize("value", ["0", "2.5", "604800"])
def test_timeout_in_range_is_taken(tpmrun, value):
    p = tpmrun("--timeout", value, "--check", FIX / "small_ok.yaml")
    assert p.returncode == 0, p.stderr


def test_results_directory_that_cannot_be_written_is_said_before_running(tpmrun, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("")
    marker = tmp_path / "ran"
    path = write(tmp_path / "s.yaml", f"""
        scenario: s
        steps:
          - exec: {{argv: [touch, {marker}]}}
        """)
    p = subprocess.run([TPMRUN, "--results", blocker / "results", path], capture_output=True, text=True,
                       env=tpmrun.env(), timeout=60)
    assert p.returncode == 2
    assert p.stderr.startswith(f"tpmrun: cannot create the results directory {blocker}/results: Not a directory")
    assert not marker.exists(), "a scenario ran although its results could not be written"
    assert p.stdout == ""
    # a JUnit file in a directory that is not there: the same, before anything runs
    p = tpmrun("--junit", tmp_path / "nowhere" / "junit.xml", path)
    assert p.returncode == 2
    assert p.stderr.startswith(f"tpmrun: cannot write in {tmp_path}/nowhere:")
    assert not marker.exists()


def test_second_run_of_a_directory_skips_results_and_non_scenario_json(tpmrun, tmp_path):
    """`tpmrun .` twice: the first run's results/ is not loaded as scenarios;
    a FAPI profile and a JSON policy beside the scenarios are skipped (JSON
    without `steps`), and so is a results file written elsewhere."""
    work = tmp_path / "suite"
    write(work / "a.yaml", SMALL.replace("small_ok", "a"))
    (work / "P_RSA2048SHA256.json").write_text(pathlib.Path("/etc/tpm2-tss/fapi-profiles/P_RSA2048SHA256.json")
                                               .read_text())
    (work / "policy.json").write_text('{"description": "p", "policy": [{"type": "POLICYPASSWORD"}]}')
    (work / "scenario.json").write_text(json.dumps({"scenario": "j", "steps": [{"esapi.get_random": {"bytes": 4}}]}))
    env = tpmrun.env()
    for _ in range(2):
        p = subprocess.run([TPMRUN, "."], capture_output=True, text=True, env=env, cwd=work, timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        assert "2 passed, 0 failed" in p.stdout
    assert sorted(f.name for f in (work / "results").iterdir()) == ["a.json", "j.json"]
    (work / "old").mkdir()
    (work / "results" / "a.json").rename(work / "old" / "a.json")     # a results file outside results/
    p = subprocess.run([TPMRUN, "-v", "--check", "."], capture_output=True, text=True, env=env, cwd=work)
    assert p.returncode == 0, p.stderr
    assert "2 scenarios checked" in p.stdout
    for skipped in ("old/a.json", "P_RSA2048SHA256.json", "policy.json"):
        assert f"./{skipped}: skipped, not a scenario" in p.stderr
    # named on the command line, a file is loaded (and its errors reported)
    p = subprocess.run([TPMRUN, "--check", "policy.json"], capture_output=True, text=True, env=env, cwd=work)
    assert p.returncode == 2
    assert "policy.json:1:" in p.stderr and "unknown top-level key" in p.stderr


def test_missing_swtpm_setup_is_named(tpmrun, tmp_path):
    """A scenario that needs EK certificates runs swtpm_setup; when it is not
    installed the error says so (it said 'exited with status 127')."""
    import shutil
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for prog in ("swtpm", "swtpm_localca", "swtpm_ioctl"):
        (bin_dir / prog).symlink_to(shutil.which(prog))
    path = write(tmp_path / "ek.yaml", """
        scenario: ek
        tpms:
          a: {ek_cert: true}
        steps:
          - esapi.get_random: {bytes: 4}
        """)
    p = tpmrun(path, env={"PATH": str(bin_dir)})
    assert p.returncode == 1
    res = tpmrun.result("ek")
    assert res["status"] == "error"
    assert res["message"] == "cannot run swtpm_setup: No such file or directory " \
                             "(not installed? it is in Debian's swtpm-tools)"
