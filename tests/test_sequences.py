"""Hash, HMAC and event sequences (steps/esapi_sequences.c) and esapi.hash /
esapi.hmac over data longer than one TPM buffer, against a real swtpm:
digests are checked with Python's hashlib/hmac, the TPM commands sent are
checked from the results."""
import hashlib
import hmac
import pathlib

import pytest

from conftest import ROOT

ESAPI = ROOT / "scenarios" / "esapi"
SECRET = b"change this password to a secret"
FOX = b"The quick brown fox jumps over the lazy dog"


def run(tpmrun, path, scenario_id, ok=True):
    p = tpmrun(path)
    if ok:
        assert p.returncode == 0, p.stdout + p.stderr
    return p, (tpmrun.result(scenario_id) if p.returncode in (0, 1) else None)


def write(tmp_path, name, steps):
    f = pathlib.Path(tmp_path) / f"{name}.yaml"
    f.write_text(f"scenario: {name}\nsteps:\n{steps}")
    return f


def named(res, label):
    found = [s for s in res["steps"] if s.get("name") == label]
    assert found, f"no step named {label!r}"
    return found[0]


def commands(step):
    """The commands a step sent, without those swtpm answered TPM2_RC_RETRY
    (ESAPI sends them again)."""
    return [c["command"] for c in step["tpm_commands"] if c["rc"] != "0x00000922"]


def hexof(v):
    return bytes.fromhex(v["hex"])


def data_of(n):
    """n bytes that differ from one 1,024-byte block to the next."""
    return bytes((i * 7 + i // 1024) % 256 for i in range(n))


# --- the scenario ------------------------------------------------------------

def test_sequences_scenario(tpmrun):
    _, res = run(tpmrun, ESAPI / "esapi_sequences.yaml", "esapi_sequences")
    long = "".join(f"{i}\n" for i in range(1, 1001)).encode()
    assert len(long) == 3893
    h = named(res, "esapi.hash of more than 1,024 bytes goes through a hash sequence")
    assert commands(h) == ["HashSequenceStart"] + ["SequenceUpdate"] * 3 + ["SequenceComplete"]
    assert hexof(h["outputs"]["digest"]) == hashlib.sha256(long).digest()
    assert h["outputs"]["validation"]["decoded"]["hierarchy"] == "0x40000001"
    m = named(res, "esapi.hmac of more than 1,024 bytes goes through an HMAC sequence")
    assert commands(m) == ["HMAC_Start"] + ["SequenceUpdate"] * 3 + ["SequenceComplete"]
    assert hexof(m["outputs"]["digest"]) == hmac.new(SECRET, long, hashlib.sha256).digest()

    steps = res["steps"]
    starts = [s for s in steps if s["type"] == "esapi.hash_sequence_start"]
    assert starts[0]["inputs"]["auth"] == "<redacted>"
    fox = [s for s in steps if s["type"] == "esapi.sequence_complete"]
    assert hexof(fox[0]["outputs"]["digest"]) == hashlib.sha256(FOX).digest()
    assert hexof(fox[1]["outputs"]["digest"]) == hmac.new(SECRET, FOX, hashlib.sha256).digest()
    # an HMAC sequence gives a null ticket
    assert fox[1]["outputs"]["validation"]["decoded"]["hierarchy"] == "0x40000007"
    assert fox[1]["outputs"]["validation"]["decoded"]["digest"] == ""
    bad = named(res, "a wrong auth value for the sequence")
    assert bad["rc"]["name"] == "TPM2_RC_BAD_AUTH"

    ev = [s for s in steps if s["type"] == "esapi.event_sequence_complete"][0]["outputs"]
    decoded = ev["results"]["decoded"]
    assert [d["hashAlg"] for d in decoded] == ["sha1", "sha256", "sha384", "sha512"]
    for d in decoded:
        assert bytes.fromhex(d["digest"]) == hashlib.new(d["hashAlg"], b"abc").digest()
        assert hexof(ev[d["hashAlg"]]) == bytes.fromhex(d["digest"])
    assert "sm3_256" not in ev
    pcr = [s for s in steps if s["type"] == "esapi.pcr_read"][0]
    assert hexof(pcr["outputs"]["digest"]) == hashlib.sha256(bytes(32) + hashlib.sha256(b"abc").digest()).digest()
    # the unfinished sequence is flushed at the end; the completed ones were gone
    assert res["cleanup"]["flushed"] == 1
    assert res["cleanup"]["transient_handles_after"] == 0


# --- esapi.hash / esapi.hmac: one command up to 1,024 bytes, a sequence above -

SIZES = [0, 1, 1024, 1025, 2048, 2049, 5000]


def expected_commands(n, start):
    if n <= 1024:
        return [start[0]]
    updates = (n + 1023) // 1024 - 1     # the last 1..1,024 bytes go with SequenceComplete
    return [start[1]] + ["SequenceUpdate"] * updates + ["SequenceComplete"]


def test_hash_and_hmac_of_every_length(tpmrun, tmp_path):
    steps = [f'  - esapi.load_external: {{secret: "{SECRET.decode()}", template: "hmac:sha256"}}\n    save: k\n']
    for n in SIZES:
        hexdata = data_of(n).hex()
        steps.append(f'  - esapi.hash: {{data: {{hex: "{hexdata}"}}}}\n    name: hash {n}\n')
        steps.append(f'  - esapi.hash: {{data: {{hex: "{hexdata}"}}, alg: sha512}}\n    name: sha512 {n}\n')
        steps.append(f'  - esapi.hmac: {{key: "${{k}}", data: {{hex: "{hexdata}"}}}}\n    name: hmac {n}\n')
    _, res = run(tpmrun, write(tmp_path, "lengths", "".join(steps)), "lengths")
    for n in SIZES:
        data = data_of(n)
        h = named(res, f"hash {n}")
        assert hexof(h["outputs"]["digest"]) == hashlib.sha256(data).digest(), n
        assert commands(h) == expected_commands(n, ("Hash", "HashSequenceStart")), n
        assert h["outputs"]["validation"]["type"] == "TPMT_TK_HASHCHECK"
        assert hexof(named(res, f"sha512 {n}")["outputs"]["digest"]) == hashlib.sha512(data).digest(), n
        m = named(res, f"hmac {n}")
        assert hexof(m["outputs"]["digest"]) == hmac.new(SECRET, data, hashlib.sha256).digest(), n
        assert commands(m) == expected_commands(n, ("HMAC", "HMAC_Start")), n
    assert res["cleanup"]["transient_handles_after"] == 0


def test_one_mebibyte_and_no_more(tpmrun, tmp_path):
    data = data_of(1024 * 1024)
    (tmp_path / "mib.bin").write_bytes(data)
    (tmp_path / "more.bin").write_bytes(data + b"x")
    f = write(tmp_path, "mib", "  - esapi.hash: {data: {file: mib.bin}}\n")
    _, res = run(tpmrun, f, "mib")
    step = res["steps"][0]
    assert hexof(step["outputs"]["digest"]) == hashlib.sha256(data).digest()
    assert commands(step) == ["HashSequenceStart"] + ["SequenceUpdate"] * 1023 + ["SequenceComplete"]
    g = write(tmp_path, "more", "  - esapi.hash: {data: {file: more.bin}}\n")
    p = tpmrun(g)
    assert p.returncode == 2
    assert "'data' is 1048577 bytes; esapi.hash takes at most 1048576" in p.stderr


@pytest.mark.parametrize("attributes,in_clear", [("continuesession|decrypt", False), ("continuesession|audit", True)])
def test_long_data_with_the_steps_session(tpmrun, tmp_path, attributes, in_clear):
    """The step's own session follows the sequence's password session on
    every SequenceUpdate: with decrypt the TPM gets each buffer encrypted
    (with audit, in clear: the check can tell)."""
    data = data_of(3000)
    f = write(tmp_path, "stepsess", f"""  - esapi.start_auth_session: {{type: hmac, attributes: "{attributes}"}}
    save: s
  - esapi.hash: {{data: {{hex: "{data.hex()}"}}}}
    sessions: ["${{s}}"]
    save: h
  - esapi.load_external: {{secret: "{SECRET.decode()}", template: "hmac:sha256"}}
    save: k
  - esapi.hmac: {{key: "${{k}}", data: {{hex: "{data.hex()}"}}}}
    sessions: ["password", "${{s}}"]
    save: m
""")
    p = tpmrun("--wire", f)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("stepsess")
    assert hexof(res["steps"][1]["outputs"]["digest"]) == hashlib.sha256(data).digest()
    assert hexof(res["steps"][3]["outputs"]["digest"]) == hmac.new(SECRET, data, hashlib.sha256).digest()
    for i in (1, 3):
        updates = [c for c in res["steps"][i]["tpm_commands"] if c["command"] == "SequenceUpdate"]
        assert len(updates) == 2
        assert (data[:1024].hex() in updates[0]["command_hex"]) == in_clear
        assert (data[1024:2048].hex() in updates[1]["command_hex"]) == in_clear


def test_wrong_key_auth_on_a_long_hmac(tpmrun, tmp_path):
    f = write(tmp_path, "hmacauth", f"""  - esapi.load_external: {{secret: "{SECRET.decode()}", template: "hmac:sha256", auth: right}}
    save: k
  - esapi.hmac: {{key: "${{k}}", data: {{hex: "{data_of(2000).hex()}"}}, auth: wrong}}
    expect: {{rc: auth_fail}}
  - esapi.hmac: {{key: "${{k}}", data: {{hex: "{data_of(2000).hex()}"}}}}
""")
    _, res = run(tpmrun, f, "hmacauth")
    assert commands(res["steps"][1]) == ["HMAC_Start"]
    assert hexof(res["steps"][2]["outputs"]["digest"]) == hmac.new(SECRET, data_of(2000), hashlib.sha256).digest()
    assert res["cleanup"]["flushed"] == 1     # the key: no sequence was left behind
    assert res["cleanup"]["transient_handles_after"] == 0


# --- sequence steps -----------------------------------------------------------

def test_sequence_auth_survives_a_program_in_between(tpmrun, tmp_path):
    """The auth value given at the start is remembered like an object's: after
    a program has used the TPM, updates still authorize with it."""
    f = write(tmp_path, "seqprogram", """  - esapi.hash_sequence_start: {auth: sesame, hash_alg: sha384}
    save: seq
  - esapi.sequence_update: {sequence: "${seq}", buffer: "The quick brown fox "}
  - exec: {argv: ["true"]}
  - esapi.sequence_update: {sequence: "${seq}", buffer: "jumps over the lazy dog"}
  - esapi.sequence_complete: {sequence: "${seq}"}
""")
    _, res = run(tpmrun, f, "seqprogram")
    assert hexof(res["steps"][4]["outputs"]["digest"]) == hashlib.sha384(FOX).digest()


def test_a_completed_sequence_is_gone(tpmrun, tmp_path):
    f = write(tmp_path, "seqgone", """  - esapi.hash_sequence_start: {}
    save: seq
  - esapi.sequence_complete: {sequence: "${seq}", buffer: abc}
  - esapi.sequence_update: {sequence: "${seq}", buffer: abc}
""")
    p, res = run(tpmrun, f, "seqgone", ok=False)
    assert p.returncode == 1
    assert hexof(res["steps"][1]["outputs"]["digest"]) == hashlib.sha256(b"abc").digest()
    assert res["steps"][2]["status"] == "failed"
    assert "'sequence' (handle 0x80000000) was flushed by step 2" in res["steps"][2]["message"]
    assert not res["steps"][2]["tpm_commands"]
    assert res["cleanup"]["flushed"] == 0


def test_event_sequence_into_a_pcr_with_an_auth_value(tpmrun, tmp_path):
    """EventSequenceComplete authorizes two handles: the PCR (with the auth
    value PCR_SetAuthValue gave its group) and the sequence."""
    f = write(tmp_path, "evauth", """  - esapi.pcr_reset: {pcr: 20}
    locality: 2
  - esapi.pcr_set_auth_value: {pcr: 20, auth: pcrpass}
  - esapi.hash_sequence_start: {hash_alg: "null", auth: seqpass}
    save: ev
  - esapi.event_sequence_complete: {pcr: 20, sequence: "${ev}", buffer: abc, auth: wrong}
    locality: 2
    expect: {rc: bad_auth}
  - esapi.event_sequence_complete: {pcr: 20, sequence: "${ev}", buffer: abc}
    locality: 2
    save: done
  - esapi.pcr_read: {pcrs: "sha1:20+sha256:20"}
""")
    _, res = run(tpmrun, f, "evauth")
    out = res["steps"][5]["outputs"]
    assert hexof(out["values"][0]) == hashlib.sha1(bytes(20) + hashlib.sha1(b"abc").digest()).digest()
    assert hexof(out["values"][1]) == hashlib.sha256(bytes(32) + hashlib.sha256(b"abc").digest()).digest()
    # the wrong auth was the sequence's: the TPM names session 2
    assert res["steps"][3]["rc"]["value"] == "0x00000aa2"
