"""pytest harness for tpmrun: runs the real binary against real swtpms.

Every test gets its own TMPDIR, which tpmrun uses for its private swtpm and
work directories; after the test, that directory must be empty and no swtpm
process may point into it."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
TPMRUN = os.environ.get("TPMRUN", str(ROOT / "tpmrun"))


# Tests marked slow (minutes: building the Debian package) run only when
# asked for with -m, as `make package-check` does; `make check` skips them.
def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes minutes; run with -m slow (make package-check)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("-m"):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow (make package-check)")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def swtpm_processes_under(path):
    """pids of swtpm processes whose command line mentions path."""
    pids = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if "swtpm" in cmd.split(" ")[0] and str(path) in cmd:
            pids.append(int(entry.name))
    return pids


@pytest.fixture
def private_tmp():
    """A TMPDIR for one test; checked empty and free of swtpm afterwards."""
    d = pathlib.Path(tempfile.mkdtemp(prefix="tpmrun-test-"))
    yield d
    leftovers = sorted(p.name for p in d.iterdir())
    procs = swtpm_processes_under(d)
    for pid in procs:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    shutil.rmtree(d, ignore_errors=True)
    assert not procs, f"swtpm processes left running: {procs}"
    assert not leftovers, f"tpmrun left temporary files: {leftovers}"


class Tpmrun:
    """Runs tpmrun with a private TMPDIR and results directory."""

    def __init__(self, tmp, results):
        self.tmp = tmp
        self.results = results

    def env(self, extra=None):
        env = dict(os.environ)
        for k in ("TPM2TOOLS_TCTI", "TSS2_TCTI", "TPM2OPENSSL_TCTI"):
            env.pop(k, None)
        env["TMPDIR"] = str(self.tmp)
        env["TPMRUN_TEST_STEPS"] = "1"
        if extra:
            env.update(extra)
        return env

    def __call__(self, *args, env=None, timeout=300, cwd=None):
        argv = [TPMRUN, "--results", str(self.results), *map(str, args)]
        return subprocess.run(argv, capture_output=True, text=True, env=self.env(env),
                              timeout=timeout, cwd=cwd or ROOT)

    def result(self, scenario_id):
        path = self.results / f"{scenario_id}.json"
        return json.loads(path.read_text())


@pytest.fixture
def tpmrun(private_tmp, tmp_path):
    return Tpmrun(private_tmp, tmp_path / "results")


@pytest.fixture
def shared_swtpm(private_tmp):
    """A swtpm the test starts itself, as a TPM that outlives a tpmrun run
    (what --tcti reaches): (TCTI string, its state directory)."""
    state = tempfile.mkdtemp(dir=private_tmp)
    sock = f"{state}/s.sock"
    proc = subprocess.Popen(["swtpm", "socket", "--tpm2", "--tpmstate", f"dir={state}", "--server",
                             f"type=unixio,path={sock}", "--ctrl", f"type=unixio,path={sock}.ctrl",
                             "--flags", "not-need-init,startup-clear", "--log", f"file={state}/log"])
    for _ in range(500):
        if os.path.exists(sock):
            break
        time.sleep(0.01)
    yield f"swtpm:path={sock}", state
    proc.terminate()
    proc.wait()
    subprocess.run(["rm", "-rf", state], check=True)


