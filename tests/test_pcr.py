"""PCR steps (steps/esapi_pcr.c) against a real swtpm: reading in rounds,
reset, event, allocate, and the auth value and policy of PCR groups.
Values are checked with hashlib; what swtpm refuses is checked by code."""
import hashlib
import pathlib

import pytest

from conftest import ROOT

ESAPI = ROOT / "scenarios" / "esapi"
ZERO32 = bytes(32)
ONES32 = b"\xff" * 32


def run(tpmrun, path, scenario_id, ok=True):
    p = tpmrun(path)
    if ok:
        assert p.returncode == 0, p.stdout + p.stderr
    return p, tpmrun.result(scenario_id)


def write(tmp_path, name, steps):
    f = pathlib.Path(tmp_path) / f"{name}.yaml"
    f.write_text(f"scenario: {name}\nsteps:\n{steps}")
    return f


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def commands(step):
    """The commands a step sent, without those swtpm answered TPM2_RC_RETRY."""
    return [c["command"] for c in step["tpm_commands"] if c["rc"] != "0x00000922"]


def hexof(v):
    return bytes.fromhex(v["hex"])


def extend(old, digest, alg="sha256"):
    return hashlib.new(alg, old + digest).digest()


# --- reading in rounds ---------------------------------------------------------

def test_pcr_admin_scenario(tpmrun):
    _, res = run(tpmrun, ESAPI / "esapi_pcr_admin.yaml", "esapi_pcr_admin")
    out = named(res, "all 24 sha256 PCRs, in rounds")
    assert commands(out) == ["PCR_Read"] * 3
    values = [hexof(v) for v in out["outputs"]["values"]]
    # a fresh swtpm: PCRs 17-22 (D-RTM) start as ones, the others as zeros
    assert values == [ONES32 if 17 <= i <= 22 else ZERO32 for i in range(24)]
    assert hexof(out["outputs"]["concatenated"]) == b"".join(values)
    assert hexof(out["outputs"]["digest"]) == values[0]
    assert out["outputs"]["selection"]["decoded"] == [{"hash": "sha256", "pcrs": list(range(24))}]
    assert isinstance(out["outputs"]["update_counter"], int)

    both = named(res, "two banks, 48 values")
    assert commands(both) == ["PCR_Read"] * 6
    bvalues = [hexof(v) for v in both["outputs"]["values"]]
    assert [len(v) for v in bvalues] == [20] * 24 + [32] * 24
    assert bvalues[17] == b"\xff" * 20 and bvalues[24 + 17] == ONES32
    assert both["outputs"]["selection"]["decoded"] == [{"hash": "sha1", "pcrs": list(range(24))},
                                                      {"hash": "sha256", "pcrs": list(range(24))}]

    ev = named(res, "an event into PCR 16")["outputs"]
    assert [d["hashAlg"] for d in ev["digests"]["decoded"]] == ["sha1", "sha256", "sha384", "sha512"]
    for d in ev["digests"]["decoded"]:
        assert bytes.fromhex(d["digest"]) == hashlib.new(d["hashAlg"], b"abc").digest()
    reads = [s for s in res["steps"] if s["type"] == "esapi.pcr_read" and s["inputs"]["pcrs"] == "sha256:16"]
    assert hexof(reads[-1]["outputs"]["digest"]) == extend(ZERO32, hashlib.sha256(b"abc").digest())

    codes = {s.get("name"): s["rc"]["value"] for s in res["steps"] if s.get("name")}
    assert codes["PCR 0 is not resettable at locality 0"] == "0x00000907"
    assert codes["nor at locality 4"] == "0x00000907"
    assert codes["PCR 21, same group, with an empty auth value"] == "0x000009a2"
    assert codes["PCR 16 has no auth group"] == "0x00000084"          # TPM2_RC_VALUE, the handle
    assert codes["PCR 16 has no policy group"] == "0x000003c4"        # TPM2_RC_VALUE, parameter 3 (pcrNum)
    assert codes["a policy for another command"] == "0x0000099d"      # TPM2_RC_POLICY_FAIL, session 1
    auth = [s for s in res["steps"] if s["type"] == "esapi.pcr_set_auth_value"][0]
    assert auth["inputs"]["auth"] == "<redacted>"


def test_values_come_in_selection_order_over_rounds(tpmrun, tmp_path):
    """Every PCR extendable at locality 0 gets its own digest: the 24 values
    read in three rounds are each PCR's, in order."""
    extendable = list(range(17)) + [23]
    steps = "".join(f'  - esapi.pcr_extend: {{pcr: {i}, digest: {{hex: "{bytes([i + 1]) .hex() * 32}"}}}}\n'
                    for i in extendable)
    steps += '  - esapi.pcr_read: {pcrs: "sha256:0-23"}\n'
    steps += '  - esapi.pcr_read: {pcrs: "sha256:3,9,16,20,23"}\n'
    _, res = run(tpmrun, write(tmp_path, "order", steps), "order")
    want = [extend(ZERO32, bytes([i + 1]) * 32) if i in extendable else ONES32 for i in range(24)]
    got = [hexof(v) for v in res["steps"][-2]["outputs"]["values"]]
    assert got == want
    few = [hexof(v) for v in res["steps"][-1]["outputs"]["values"]]
    assert few == [want[i] for i in (3, 9, 16, 20, 23)]
    assert commands(res["steps"][-1]) == ["PCR_Read"]


def test_a_bank_the_tpm_lacks_fails_the_read(tpmrun, tmp_path):
    """After PCR_Allocate drops sha1 and a TPM Reset, a read that includes
    sha1 gets fewer values than selected: the step says so."""
    f = write(tmp_path, "nosha1", """  - esapi.pcr_allocate: {pcr_allocation: "sha1:none"}
  - tpm.power_cycle: {startup: clear}
  - esapi.pcr_read: {pcrs: "sha256:0-23"}
  - esapi.pcr_read: {pcrs: "sha256:0-9+sha1:0-9"}
""")
    p, res = run(tpmrun, f, "nosha1", ok=False)
    assert p.returncode == 1
    assert res["steps"][2]["status"] == "passed"
    bad = res["steps"][3]
    assert bad["message"] == "the TPM returned 10 of 20 selected PCRs (is every bank allocated?)"
    # the rounds stop at the one that brought nothing: 8, 2, then 0 values
    assert commands(bad) == ["PCR_Read"] * 3
    assert len(bad["outputs"]["values"]) == 10


# --- allocation -------------------------------------------------------------------

def test_pcr_allocate_scenario(tpmrun):
    _, res = run(tpmrun, ESAPI / "esapi_pcr_allocate.yaml", "esapi_pcr_allocate")
    alloc = named(res, "only sha256")["outputs"]
    assert alloc == {"allocation_success": True, "max_pcr": 24, "size_needed": 24 * 32,
                     "size_available": 24 * (20 + 32 + 48 + 64)}
    after = named(res, "after it only sha256 is allocated")["outputs"]["stdout"]
    assert "  - sha1: [ ]\n" in after and "  - sha256: [ 0, 1," in after
    codes = {s.get("name"): s["rc"]["name"] for s in res["steps"] if s.get("name")}
    assert codes["a wrong platform auth value"] == "TPM2_RC_BAD_AUTH"
    assert codes["a bank swtpm does not implement"] == "TPM2_RC_HASH"
    assert codes["no PCR in any bank"] == "TPM2_RC_PCR"


# --- load-time checks ---------------------------------------------------------------


def test_pcr_extend_several_banks_in_one_command(tpmrun, tmp_path):
    """digests: one TPM2_PCR_Extend with a TPML_DIGEST_VALUES (what
    tpm2_pcrextend 8:sha1=..,sha256=.. sends); each bank gets its own digest,
    and pcr_event's digests extend another PCR alike."""
    d1, d256 = bytes([1]) * 20, bytes([2]) * 32
    tpml = (2).to_bytes(4, "big") + b"\x00\x04" + d1 + b"\x00\x0b" + d256
    f = write(tmp_path, "multi", f"""\
  - name: both
    esapi.pcr_extend: {{pcr: 8, digests: {{hex: "{tpml.hex()}"}}}}
  - esapi.pcr_read: {{pcrs: "sha1:8+sha256:8"}}
    save: r
  - esapi.pcr_event: {{event_data: abc}}
    save: ev
  - name: from pcr_event
    esapi.pcr_extend: {{pcr: 9, digests: "${{ev.digests}}"}}
  - esapi.pcr_read: {{pcrs: "sha256:9+sha384:9"}}
    save: r9
""")
    _, res = run(tpmrun, f, "multi")
    assert commands(named(res, "both")) == ["PCR_Extend"]
    reads = [s for s in res["steps"] if s["type"] == "esapi.pcr_read"]
    values = [hexof(v) for v in reads[0]["outputs"]["values"]]
    assert values == [extend(bytes(20), d1, "sha1"), extend(ZERO32, d256)]
    v9 = [hexof(v) for v in reads[1]["outputs"]["values"]]
    assert v9 == [extend(ZERO32, hashlib.sha256(b"abc").digest()),
                  extend(bytes(48), hashlib.sha384(b"abc").digest(), "sha384")]
    assert commands(named(res, "from pcr_event")) == ["PCR_Extend"]
    p = tpmrun("--check", write(tmp_path, "both_given", """\
  - esapi.pcr_extend: {pcr: 8, digest: {hex: "00"}, digests: {hex: "00000000"}}
"""))
    assert p.returncode == 2 and "digest" in p.stderr


def test_pcr_event_over_1024_bytes_is_an_event_sequence(tpmrun, tmp_path):
    """As tpm2_pcrevent: HashSequenceStart(null), updates of 1,024 bytes,
    EventSequenceComplete with the rest; the digests and the PCR are those
    of the whole data, and nothing is left loaded."""
    data = bytes(range(256)) * 9 + b"tail"                     # 2,308 bytes
    (tmp_path / "event.bin").write_bytes(data)
    f = write(tmp_path, "long_event", """\
  - name: long
    esapi.pcr_event: {pcr: 16, event_data: {file: event.bin}}
  - esapi.pcr_read: {pcrs: "sha1:16+sha256:16"}
  - name: no PCR
    esapi.pcr_event: {event_data: {file: event.bin}}
""")
    _, res = run(tpmrun, f, "long_event")
    long = named(res, "long")
    assert commands(long) == ["HashSequenceStart", "SequenceUpdate", "SequenceUpdate", "EventSequenceComplete"]
    out = long["outputs"]
    assert hexof(out["sha1"]) == hashlib.sha1(data).digest()
    assert hexof(out["sha512"]) == hashlib.sha512(data).digest()
    values = [hexof(v) for v in res["steps"][1]["outputs"]["values"]]
    assert values == [extend(bytes(20), hashlib.sha1(data).digest(), "sha1"),
                      extend(ZERO32, hashlib.sha256(data).digest())]
    assert hexof(named(res, "no PCR")["outputs"]["sha256"]) == hashlib.sha256(data).digest()
    assert res["cleanup"]["transient_handles_after"] == 0

@pytest.mark.parametrize("step,text", [
    ('esapi.pcr_event: {pcr: 16, event_data: {file: big.bin}}',
     "'event_data' is 1048577 bytes; esapi.pcr_event takes at most 1048576"),
    ("esapi.pcr_reset: {pcr: 24}", "bad.yaml:3:28: error: 'pcr' must be 0..23, not 24"),
    ('esapi.pcr_allocate: {pcr_allocation: "sha256:bogus"}', "bad.yaml:3:50: error: expected a PCR number, got 'bogus'"),
    ("esapi.pcr_set_auth_policy: {auth_policy: {hex: \"00\"}}", "missing required parameter 'pcr_num'"),
])
def test_checked_before_the_run(tpmrun, tmp_path, step, text):
    (tmp_path / "big.bin").write_bytes(bytes(1024 * 1024 + 1))
    p = tpmrun("--check", write(tmp_path, "bad", f"  - {step}\n"))
    assert p.returncode == 2
    assert text in p.stderr
