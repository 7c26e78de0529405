"""Robustness: the TPM proxy answers every other command with a TPM
warning instead of sending it (--fault warning=...,every=2, as the proxy
TCTI of tpm2-tss's integration tests does). Every client must resend each
one -- tpmrun's ESAPI, FAPI, and the programs interop scenarios run -- and
every scenario must still pass.  The results must show exactly the
pattern: counted across all clients in the proxy's order, the 2nd, 4th ...
command was warned and no other, and each client's next command after a
warned one is that command again, byte for byte (tests/injected.py).
(test_proxy.py does the same for a scenario mixing all clients.)"""
import json

import pytest

from conftest import ROOT
from injected import check_every

WARNINGS = {"yielded": "0x00000908", "retry": "0x00000922", "testing": "0x0000090a"}


def run_under_warnings(tpmrun, warning, *dirs):
    p = tpmrun("-j", "2", "--wire", "--fault", f"warning={warning},every=2", *(ROOT / "scenarios" / d for d in dirs))
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    results = [json.loads(f.read_text()) for f in sorted(tpmrun.results.glob("*.json"))]
    assert len(results) == sum(len(list((ROOT / "scenarios" / d).glob("*.y*ml"))) +
                               len(list((ROOT / "scenarios" / d).glob("*.json"))) for d in dirs)
    for res in results:
        assert res["status"] == "passed"
        for cleanup in [res["cleanup"]] + [t["cleanup"] for t in res.get("tpms", {}).values()]:
            assert cleanup["transient_handles_after"] == 0
            assert cleanup["loaded_sessions_after"] == 0
        assert check_every(res, 2, WARNINGS[warning]) > 0, res["scenario"]
    return results


@pytest.mark.parametrize("warning", sorted(WARNINGS))
def test_esapi_scenarios_survive_warnings(tpmrun, warning):
    run_under_warnings(tpmrun, warning, "esapi")


def test_fapi_and_interop_scenarios_survive_warnings(tpmrun):
    """FAPI and programs (tpm2-tools, the OpenSSL provider, tss2 tools) through exec."""
    results = run_under_warnings(tpmrun, "yielded", "fapi", "interop")
    clients = {c["client"] for res in results for s in res["steps"] for c in s.get("tpm_commands", [])
               if c.get("fault")}
    assert {"tpmrun", "fapi"} < clients and len(clients) > 4, clients     # programs too
