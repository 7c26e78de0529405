"""Robustness: the TPM proxy answers every other command with a TPM
warning instead of sending it (--fault warning=...,every=2, as the proxy
TCTI of tpm2-tss's integration tests does). ESAPI must resend each one,
and every ESAPI scenario must still pass, with both tries in its records.
(test_proxy.py does the same for FAPI and tpm2-tools.)"""
import json

import pytest

from conftest import ROOT

WARNINGS = {"yielded": "0x00000908", "retry": "0x00000922", "testing": "0x0000090a"}


@pytest.mark.parametrize("warning", sorted(WARNINGS))
def test_esapi_scenarios_survive_warnings(tpmrun, warning):
    p = tpmrun("-j", "2", "--fault", f"warning={warning},every=2", ROOT / "scenarios" / "esapi")
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-2000:]
    code = WARNINGS[warning]
    results = [json.loads(f.read_text()) for f in tpmrun.results.glob("*.json")]
    assert results
    for res in results:
        assert res["status"] == "passed"
        assert res["cleanup"]["transient_handles_after"] == 0
        assert res["cleanup"]["loaded_sessions_after"] == 0
        rcs = [c["rc"] for s in res["steps"] for c in s.get("tpm_commands", [])]
        if len(rcs) >= 2:
            assert code in rcs, res["scenario"]
        for s in res["steps"]:
            cmds = s.get("tpm_commands", [])
            # an injected warning is always followed by the same command again
            for a, b in zip(cmds, cmds[1:]):
                if a["rc"] == code:
                    assert b["code"] == a["code"] and b["command_bytes"] == a["command_bytes"]
