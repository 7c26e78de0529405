"""Secrets stay out of results, JUnit and the console unless --show-secrets.

One scenario (tests/fixtures/secrets/all_secrets.yaml) gives a value of its
own to every secret parameter of the step registry (`--list-steps -v` says
"secret.") and writes every secret output to a directory of the test's; no
value may appear anywhere -- as text or as hex, in any case, whole or any
16 bytes of it -- and with --show-secrets every one does.  Then: a failed
expect on a secret output, assert.equal, exec, file.write and crypto steps
fed a secret through a reference, and the bytes --wire writes."""
import json
import os
import pathlib
import re
import subprocess
import textwrap

import pytest
import yaml

from conftest import ROOT, TPMRUN

UNIT_DIR = pathlib.Path(os.environ.get("TPMRUN_UNIT_DIR", ROOT / "build" / "rel" / "unit"))

FIX = ROOT / "tests" / "fixtures" / "secrets"
ALL = FIX / "all_secrets.yaml"
META = {"name", "save", "expect", "sessions", "tpm", "locality"}
WINDOW = 16     # a secret longer than this is looked for in every run of this many bytes

# Secret parameters and outputs the scenario cannot give or make on swtpm: none.
UNREACHABLE = set()


def catalogue_secrets():
    """{(step, param)} and {(step, output)} the registry marks secret."""
    p = subprocess.run([TPMRUN, "--list-steps", "-v"], capture_output=True, text=True, check=True,
                       env={"TPMRUN_TEST_STEPS": "1", "PATH": "/usr/bin:/bin"})
    params, outputs, step = set(), set(), None
    for line in p.stdout.splitlines():
        if not line.startswith(" "):
            step = line.split()[0]
            continue
        words = line.split()
        if "secret." not in words:
            continue
        if words[0] == "->":
            outputs.add((step, words[1]))
        else:
            params.add((step, words[0]))
    return params, outputs


def step_type(entry):
    return next(k for k in entry if k not in META)


def scenario_secrets():
    """{(step, param): secret bytes} the scenario gives: qzs... literals and PEM files."""
    doc = yaml.safe_load(ALL.read_text())
    files = {name: (FIX / v["file"]).read_bytes() for name, v in doc["vars"].items()
             if isinstance(v, dict) and "file" in v}
    given = {}
    for entry in doc["steps"]:
        if entry.get("name", "").startswith("again:"):     # a value given again where it is needed
            continue
        t = step_type(entry)
        for param, v in (entry[t] or {}).items():
            if isinstance(v, str) and v.startswith("qzs"):
                given.setdefault((t, param), []).append(v.encode())
            elif isinstance(v, str) and re.fullmatch(r"\$\{(\w+)\}", v) and v[2:-1] in files:
                given.setdefault((t, param), []).append(files[v[2:-1]])
    return given


PRIVATE_FIELDS = ("priv", "privateExponent", "prime1", "prime2", "exponent1", "exponent2", "coefficient")


def private_numbers(pem):
    """The private numbers of a PEM key (openssl pkey -text): what must not
    leak of it (its public part rightly shows in outputs)."""
    p = subprocess.run(["openssl", "pkey", "-text", "-noout"], input=pem, capture_output=True, check=True)
    numbers, field = [], None
    for line in p.stdout.decode().splitlines():
        if not line.startswith(" "):
            field = line.split(":")[0]
            if field in PRIVATE_FIELDS:
                numbers.append("")
        elif field in PRIVATE_FIELDS:
            numbers[-1] += line.strip().replace(":", "")
    return [bytes.fromhex(n).lstrip(b"\0") for n in numbers]


def needles(secret):
    """What a leak of these bytes would look like: lowercase text and hex of
    the whole (short) secret or of each WINDOW-byte run; for a PEM file, of
    its base64 body and of its private numbers."""
    parts = [secret]
    if secret.startswith(b"-----BEGIN"):
        body = b"".join(l for l in secret.splitlines() if not l.startswith(b"-----"))
        parts = [body] + (private_numbers(secret) if b"PRIVATE" in secret else [])
    out = set()
    for part in parts:
        runs = [part] if len(part) <= WINDOW else [part[i:i + WINDOW] for i in range(len(part) - WINDOW + 1)]
        # runs of structure (sizes, zero padding) are in every TPM structure: only runs that say something
        runs = [r for r in runs if len(set(r)) >= 6 or r is part]
        for r in runs:
            out.add(r.hex())
            if all(32 <= b < 127 for b in r):
                out.add(r.decode().lower())
    return out


def found(secret, haystack):
    return [n for n in needles(secret) if n in haystack]


def run_all(tpmrun, tmp_path, *args):
    dump = tmp_path / "dump"
    dump.mkdir()
    junit = tmp_path / "junit.xml"
    p = tpmrun("-v", "--wire", "--junit", junit, *args, ALL, env={"TPMRUN_SECRETS_DUMP": str(dump)})
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    texts = {"results": (tpmrun.results / "all_secrets.json").read_text().lower(),
             "junit": junit.read_text().lower(), "console": (p.stdout + p.stderr).lower()}
    outputs = {tuple(f.name.rsplit(".", 1)): f.read_bytes() for f in dump.iterdir()}
    return texts, outputs


def test_the_scenario_gives_every_secret_parameter_and_makes_every_secret_output(tmp_path):
    params, outputs = catalogue_secrets()
    assert len(params) > 90 and len(outputs) > 10      # the registry marks them (--list-steps -v)
    missing = params - set(scenario_secrets()) - UNREACHABLE
    assert not missing, f"secret parameters the scenario does not give: {sorted(missing)}"
    # every secret output is written to the dump directory under <step>.<output>
    doc = yaml.safe_load(ALL.read_text())
    dumped = {tuple(re.search(r"/([\w.]+)\.(\w+)$", e["file.write"]["path"]).groups())
              for e in doc["steps"] if "file.write" in e and "TPMRUN_SECRETS_DUMP" in e["file.write"]["path"]}
    assert outputs - dumped - UNREACHABLE == set()
    # each parameter has a value of its own (a few steps repeat another's, as FAPI's hierarchy passwords)
    given = scenario_secrets()
    for key, values in given.items():
        others = {v for k, vs in given.items() if k != key for v in vs}
        assert set(values) - others, f"{key} has no value of its own"
    assert len({v for vs in given.values() for v in vs}) > 100


def test_no_secret_appears_anywhere(tpmrun, tmp_path):
    texts, outputs = run_all(tpmrun, tmp_path)
    # every secret output, and duplicates nothing wraps: secret this time
    assert set(outputs) == catalogue_secrets()[1] - UNREACHABLE | {("esapi.duplicate", "duplicate"),
                                                                    ("esapi.rewrap", "out_duplicate")}
    leaks = []
    for (step, param), values in scenario_secrets().items():
        for v in values:
            leaks += [(step, param, where, n) for where, t in texts.items() for n in found(v, t)]
    for (step, output), v in outputs.items():
        assert v, (step, output)
        leaks += [(step, "->" + output, where, n) for where, t in texts.items() for n in found(v, t)]
    assert not leaks, leaks[:20]
    res = json.loads(texts["results"])
    assert res["status"] == "passed"
    # the secret inputs are there, redacted
    create = next(s for s in res["steps"] if s["type"] == "esapi.create" and "sensitive_data" in s["inputs"])
    assert create["inputs"]["sensitive_data"] == "<redacted>"


def test_every_secret_appears_with_show_secrets(tpmrun, tmp_path):
    texts, outputs = run_all(tpmrun, tmp_path, "--show-secrets")
    results = texts["results"]
    missing = [(step, param, v) for (step, param), vs in scenario_secrets().items() for v in vs
               if not found(v, results)]
    missing += [(step, "->" + output) for (step, output), v in outputs.items() if not found(v, results)]
    assert not missing, missing[:20]


# ---- messages ------------------------------------------------------------------

def write(tmp_path, name, steps, vars_=""):
    """A scenario: the unseal below, then `steps` (YAML list items)."""
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"scenario: {name}\n" + UNSEAL.replace("VARS", vars_) + textwrap.dedent(steps))
    return path


UNSEAL = """vars:
  sealed_bytes: unsealed-qzsecret-42
VARS
steps:
- esapi.create_primary: {template: "ecc256:null:aes128cfb",
                         attributes: "userwithauth|restricted|decrypt|noda|fixedtpm|fixedparent|sensitivedataorigin"}
  save: srk
- esapi.create: {parent: "${srk}", template: keyedhash, attributes: "fixedtpm|fixedparent|userwithauth|noda",
                 sensitive_data: "${sealed_bytes}"}
  save: sealed
- esapi.load: {parent: "${srk}", private: "${sealed.private}", public: "${sealed.public}"}
  save: item
- esapi.unseal: {item_handle: "${item}"}
  save: u
"""
SECRET = b"unsealed-qzsecret-42"


def run_failing(tpmrun, tmp_path, name, tail, *args):
    path = write(tmp_path, name, tail)
    junit = tmp_path / f"{name}.xml"
    p = tpmrun("-v", "--junit", junit, *args, path)
    assert p.returncode == 1, p.stdout + p.stderr
    res = tpmrun.result(name)
    everything = (json.dumps(res) + junit.read_text() + p.stdout + p.stderr).lower()
    return res, everything


@pytest.mark.parametrize("name,tail,message", [
    ("expect_secret_output", """
        - esapi.unseal: {item_handle: "${item}"}
          expect: {outputs: {out_data: not the sealed bytes}}
        """, "output 'out_data' is <redacted>, expected <redacted> (a secret: --show-secrets shows both)"),
    ("assert_secret", """
        - assert.equal: {actual: "${u.out_data}", expected: not the sealed bytes}
        """, "actual <redacted>, expected <redacted>"),
    ("assert_secret_var", """
        - assert.not_equal: {actual: "${sealed_bytes}", expected: "${u.out_data}", message: a var a secret uses}
        """, "a var a secret uses: both are <redacted>"),
    ("exec_stderr", """
        - exec: {command: 'echo "the data is $X" >&2; exit 3', env: {X: "${u.out_data}"}}
        """, None),
])
def test_failure_messages_hide_secrets(tpmrun, tmp_path, name, tail, message):
    res, everything = run_failing(tpmrun, tmp_path, name, tail)
    assert not found(SECRET, everything)
    if message:
        assert res["failed_step"]["message"] == message
    else:
        assert res["failed_step"]["message"] == "exit status 3, expected 0"
        assert res["steps"][-1]["outputs"]["stderr"] == "<redacted>"
        assert res["steps"][-1]["inputs"]["env"] == {"X": "<redacted>"}
    res, everything = run_failing(tpmrun, tmp_path, name, tail, "--show-secrets")
    assert found(SECRET, everything)


def test_a_secret_stays_secret_through_references(tpmrun, tmp_path):
    """An unsealed output and an auth value, passed on by reference (whole,
    inside text, as an item of a list or map) are hidden wherever they go;
    a hash of them is not secret; the same bytes read back from a file are."""
    path = write(tmp_path, "refs", """
        - assert.equal: {actual: "${u.out_data}", expected: "${sealed_bytes}"}
        - file.write: {path: out.bin, data: "${u.out_data}"}
        - file.read: {path: out.bin}
          save: back
        - exec: {argv: [cat], stdin: "${u.out_data}"}
        - exec: {argv: [printenv, SEALED], env: {SEALED: "prefix ${u.out_data}", OTHER: visible}}
        - exec: {argv: [echo, "${sealed_bytes}", visible-arg]}
        - crypto.hash: {data: "${u.out_data}"}
          save: digest
        - crypto.hmac: {key: "${u}", data: plain}
        - esapi.create_loaded: {parent: "${srk}", template: hmac, auth: "${pw}",
                                attributes: "userwithauth|sign|noda|fixedtpm|fixedparent|sensitivedataorigin"}
        - assert.equal: {actual: "${pw}", expected: "${pw}"}
        """, vars_="  pw: an-auth-value-qz")
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("refs")
    steps = res["steps"]
    by = lambda t: [s for s in steps if s["type"] == t]
    assert by("assert.equal")[0]["inputs"] == {"actual": "<redacted>", "expected": "<redacted>"}
    assert by("file.write")[0]["inputs"]["data"] == "<redacted>"
    assert by("file.read")[0]["outputs"]["data"] == "<redacted>"     # the same bytes, read back
    cat, env, echo = by("exec")
    assert cat["inputs"]["stdin"] == "<redacted>" and cat["outputs"]["stdout"] == "<redacted>"
    assert env["inputs"]["env"] == {"SEALED": "<redacted>", "OTHER": "visible"}
    assert env["outputs"]["stdout"] == "<redacted>"
    assert echo["inputs"]["argv"] == ["echo", "<redacted>", "visible-arg"]
    assert by("crypto.hash")[0]["inputs"]["data"] == "<redacted>"
    assert "hex" in by("crypto.hash")[0]["outputs"]["digest"]        # a hash of a secret is not secret
    assert by("crypto.hmac")[0]["inputs"]["key"] == "<redacted>"
    assert by("assert.equal")[1]["inputs"] == {"actual": "<redacted>", "expected": "<redacted>"}
    text = json.dumps(res).lower()
    assert not found(SECRET, text) and not found(b"an-auth-value-qz", text)
    assert tpmrun("--show-secrets", path).returncode == 0
    text = json.dumps(tpmrun.result("refs")).lower()
    assert found(SECRET, text) and found(b"an-auth-value-qz", text)


# ---- --wire ------------------------------------------------------------------------

def test_wire_handle_counts_are_the_tpms(shared_swtpm, tmp_path):
    """Where a command's sessions start depends on how many handles it has:
    tpm/tpm_wire.c's table against swtpm's own TPMA_CC of every command it
    implements (tests/unit/test_wire.c reads the list)."""
    tcti, _ = shared_swtpm
    p = subprocess.run(["tpm2_getcap", "commands"], capture_output=True, text=True, check=True,
                       env={**os.environ, "TPM2TOOLS_TCTI": tcti})
    rows, row = [], None
    for line in p.stdout.splitlines():
        if not line.startswith(" "):
            row = {}
            rows.append(row)
        else:
            key, _, value = line.strip().partition(":")
            row[key] = value.strip()
    listing = tmp_path / "tpma_cc.txt"
    listing.write_text("".join(f"{r['commandIndex']} {int(r['cHandles'], 16)} {r['rHandle']}\n" for r in rows))
    assert len(rows) > 100
    unit = subprocess.run([str(UNIT_DIR / "test_wire"), str(listing)], capture_output=True, text=True, timeout=60)
    assert unit.returncode == 0 and " 0 failed" in unit.stdout, unit.stdout + unit.stderr


def wire_commands(res):
    return [c for s in res["steps"] for c in s.get("tpm_commands", [])]


def test_wire_bytes_keep_their_structure(tpmrun, tmp_path):
    """Redacted bytes keep every length (command_bytes, response_bytes, the
    sizes inside): only secret bytes become '*' (0x2a); with --show-secrets
    they are the bytes sent."""
    dump = tmp_path / "dump"
    dump.mkdir()
    env = {"TPMRUN_SECRETS_DUMP": str(dump)}
    assert tpmrun("--wire", ALL, env=env).returncode == 0
    hidden = wire_commands(tpmrun.result("all_secrets"))
    for c in hidden:
        assert len(c["command_hex"]) == 2 * c["command_bytes"] and len(c["response_hex"]) == 2 * c["response_bytes"]
    unseal = [c for c in hidden if c["command"] == "Unseal" and c["rc"] == "0x00000000"][0]
    data = bytes.fromhex(unseal["response_hex"])[16:16 + len(b"qzs06-create-sensitive")]
    assert data == b"*" * len(b"qzs06-create-sensitive")
    # a password session's hmac field: the auth value, overwritten, its size kept
    create = [c for c in hidden if c["command"] == "Create" and c["rc"] == "0x000009a2"][0]
    assert b"\x00\x13" + b"*" * 19 in bytes.fromhex(create["command_hex"])     # len("qzs04-create-parent") == 19
    # --help says what --wire shows
    helptext = subprocess.run([TPMRUN, "--help"], capture_output=True, text=True).stdout
    assert "--wire" in helptext and "--show-secrets" in helptext.split("--wire", 1)[1].split("--fault")[0]
