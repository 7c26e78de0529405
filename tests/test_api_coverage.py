"""Every TPM command tpm2-tss 3.2's ESAPI offers, and every FAPI call, is
reachable from a scenario: each Esys_*/Fapi_* function of the installed
headers is called (or passed as a function) by a step handler or the
engine.  Only lifecycle and helper functions are exempt."""
import re

from conftest import ROOT

HEADERS = {"Esys": "/usr/include/tss2/tss2_esys.h", "Fapi": "/usr/include/tss2/tss2_fapi.h"}
# lifecycle, polling, and ESAPI-side helpers that send no TPM command
EXEMPT = {
    "Esys_Initialize", "Esys_Finalize", "Esys_Free", "Esys_GetTcti", "Esys_GetPollHandles", "Esys_SetTimeout",
    "Esys_GetSysContext", "Esys_TRSess_GetAttributes", "Esys_TRSess_GetAuthRequired",
    "Fapi_Initialize", "Fapi_Finalize", "Fapi_Free", "Fapi_GetTcti", "Fapi_GetPollHandles",
}


def api(prefix):
    text = open(HEADERS[prefix]).read()
    names = set(re.findall(rf"^(?:TSS2_RC |void )?({prefix}_\w+)\(", text, re.M))
    return {n for n in names if not n.endswith(("_Async", "_Finish"))}


def referenced():
    src = "".join(p.read_text() for d in ("steps", "engine") for p in (ROOT / d).rglob("*.c"))
    return set(re.findall(r"\b((?:Esys|Fapi)_\w+)\b", src))


def test_every_esapi_command_and_fapi_call_has_a_step():
    used = referenced()
    for prefix in HEADERS:
        functions = api(prefix)
        assert len(functions) > (100 if prefix == "Esys" else 40)    # the header was read
        missing = sorted(functions - used - EXEMPT)
        assert not missing, f"{prefix} functions no step calls: {missing}"
