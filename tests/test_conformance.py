"""The conformance pack ported from tpm2-tools' integration tests
(scenarios/conformance/tpm2-tools): every scenario names its origin, ports
one test file, uses steps (exec only where the test is about a tool's own
output, tagged tool-output), and each skipped test has a reason.  That the
scenarios pass is tests/test_scenarios.py's check (it runs every scenario)."""
import re

import yaml

from conftest import ROOT

PACK = ROOT / "scenarios" / "conformance" / "tpm2-tools"
SCENARIOS = sorted(PACK.glob("*.yaml"))


def skipped():
    """The README's table: test name -> reason."""
    rows = re.findall(r"^\| `?([\w.-]+?)(?:\.sh)?`? \| (.+?) \|$", (PACK / "README.md").read_text(), re.M)
    return {name: why.strip() for name, why in rows if name not in ("test", "---")}


def test_each_scenario_ports_one_test_file():
    assert SCENARIOS
    for path in SCENARIOS:
        doc = yaml.safe_load(path.read_text())
        origin = doc.get("origin", "")
        m = re.fullmatch(r"tpm2-tools test/integration/tests/([\w.-]+)\.sh(?: \(.*\))?", origin)
        assert m, f"{path.name}: origin must name the tpm2-tools test file, not {origin!r}"
        assert path.stem == m.group(1) or path.stem.startswith(m.group(1) + "_"), path.name
        assert doc.get("description"), path.name


def test_exec_only_where_a_tools_output_is_the_point():
    for path in SCENARIOS:
        doc = yaml.safe_load(path.read_text())
        uses_exec = any("exec" in step for step in doc["steps"])
        if uses_exec:
            assert "tool-output" in doc.get("tags", []), f"{path.name} runs programs: tag it tool-output and say why"


def test_skipped_tests_say_why_and_are_not_also_ported():
    ported = {re.search(r"tests/([\w.-]+)\.sh", yaml.safe_load(p.read_text())["origin"]).group(1) for p in SCENARIOS}
    for name, why in skipped().items():
        assert len(why) > 15, f"{name}: say why it is not ported"
        assert name not in ported, f"{name} is both ported and skipped"


# Every test file of tpm2-tools' test/integration/tests (5.8, commit bc25f714)
TPM2_TOOLS_TESTS = {
    "X509certutil", "abrmd_extended-sessions", "abrmd_nvundefinespecial", "abrmd_policyauthorize",
    "abrmd_policyauthorizenv", "abrmd_policyauthvalue", "abrmd_policycommandcode", "abrmd_policycountertimer",
    "abrmd_policycphash", "abrmd_policyduplicationselect", "abrmd_policynamehash", "abrmd_policynv",
    "abrmd_policynvwritten", "abrmd_policyor", "abrmd_policypassword", "abrmd_policypcr", "abrmd_policysecret",
    "abrmd_policysigned", "abrmd_policytemplate", "abrmd_policyticket", "activecredential",
    "activecredential_ecc_384", "attestation", "certify", "certifycreation", "changeauth", "changeeps",
    "changepps", "checkquote", "clear", "clearcontrol", "clockrateadjust", "commandaudit", "create", "createak",
    "createek", "createpolicy", "createprimary", "dictionarylockout", "duplicate", "ecc", "encodeobject",
    "encryptdecrypt", "eventlog", "evictcontrol", "flushcontext", "forward-seal", "getcap", "getekcertificate",
    "getpolicydigest", "getrandom", "gettestresult", "gettime", "hash", "hierarchycontrol", "hmac", "import",
    "import_tpm", "incrementalselftest", "load", "loadexternal", "makecredential", "nv", "nvcertify", "nvinc",
    "output_formats", "pcrallocate", "pcrevent", "pcrextend", "pcrlist", "pcrreset", "pcrs_format", "print",
    "quote", "rc_decode", "readclock", "readpublic", "rsadecrypt", "rsaencrypt", "selftest", "send",
    "send-tcti-cmd", "sessionaudit", "sessionconfig", "setclock", "setprimarypolicy", "sign", "startup",
    "stirrandom", "symlink", "testparms", "toggle_options", "tr_encode", "unseal", "verifysignature",
}


def test_every_tpm2_tools_test_is_ported_or_says_why_not():
    ported = {re.search(r"tests/([\w.-]+)\.sh", yaml.safe_load(p.read_text())["origin"]).group(1) for p in SCENARIOS}
    assert len(TPM2_TOOLS_TESTS) == 95
    missing = sorted(TPM2_TOOLS_TESTS - ported - set(skipped()))
    assert not missing, f"tpm2-tools tests neither ported nor in the README's table: {missing}"
    assert not (ported | set(skipped())) - TPM2_TOOLS_TESTS, "a scenario or a row names no tpm2-tools test"
