"""Named and tpm2-tools style templates make the same keys as tpm2-tools.

Primary keys are derived from the hierarchy seed and the template, so on one
TPM the same template gives the same public area: tpmrun's results must
equal what tpm2_createek / tpm2_createprimary write."""
import os
import subprocess
import tempfile
import time

import pytest

from conftest import ROOT

FIX = ROOT / "tests" / "fixtures"


@pytest.fixture
def shared_swtpm(private_tmp):
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


def tools(tcti, *argv, cwd):
    subprocess.run(argv, check=True, capture_output=True, cwd=cwd, env={**os.environ, "TPM2TOOLS_TCTI": tcti})


@pytest.mark.parametrize("save,argv", [
    ("ek_rsa", ["tpm2_createek", "-G", "rsa", "-c", "-", "-u", "out.pub"]),
    ("ek_ecc", ["tpm2_createek", "-G", "ecc", "-c", "-", "-u", "out.pub"]),
    ("ecc_storage", ["tpm2_createprimary", "-C", "o", "-G", "ecc", "-g", "sha256", "-a",
                     "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin",
                     "-c", "prim.ctx"]),
])
def test_same_public_as_tpm2_tools(tpmrun, shared_swtpm, save, argv):
    tcti, state = shared_swtpm
    p = tpmrun("--tcti", tcti, FIX / "named_templates.yaml")
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("named_templates")
    step = next(s for s in res["steps"] if s["index"] == {"ek_rsa": 0, "ek_ecc": 1, "ecc_storage": 2}[save])
    ours = bytes.fromhex(step["outputs"]["public"]["hex"])
    tools(tcti, *argv, cwd=state)
    if argv[0] == "tpm2_createprimary":
        tools(tcti, "tpm2_readpublic", "-c", "prim.ctx", "-o", "out.pub", cwd=state)
    theirs = open(f"{state}/out.pub", "rb").read()
    assert ours.hex() == theirs.hex()
    # tpmrun flushed its primaries before tpm2-tools ran (tpm2-tools itself,
    # without a resource manager, leaves its objects loaded)
    assert res["cleanup"]["transient_handles_after"] == 0
