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
