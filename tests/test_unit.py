"""Runs the C unit tests (tests/unit/*.c, built by `make unit`)."""
import os
import pathlib
import subprocess

import pytest

from conftest import ROOT

UNIT_DIR = pathlib.Path(os.environ.get("TPMRUN_UNIT_DIR", ROOT / "build" / "rel" / "unit"))
SOURCES = sorted((ROOT / "tests" / "unit").glob("*.c"))


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.stem)
def test_unit(src, private_tmp):
    binary = UNIT_DIR / src.stem
    assert binary.exists(), f"{binary} not built: run `make unit`"
    p = subprocess.run([str(binary)], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TMPDIR": str(private_tmp)})
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    assert " 0 failed" in p.stdout
