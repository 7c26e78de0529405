"""Steps the tpm2-tools conformance pack needed: assert.field (a field of a
structure's decoded view), crypto.cp_hash (a command's cpHash in software),
and template_data on esapi.create_primary / esapi.create (the TPMT_PUBLIC
template sent, as tpm2_createprimary --template-data writes it, and taken).

Each against a known answer or a computation here, and where the TPM can be
the judge, the TPM: a cpHash opens a PolicyCpHash session only for the
command it was computed for, a template hash a PolicyTemplate one only for
that template."""
import hashlib
import json
import pathlib
import struct
import textwrap

import pytest

from conftest import ROOT


def write(directory, name, body):
    path = pathlib.Path(directory) / f"{name}.yaml"
    path.write_text(f"scenario: {name}\ndescription: a test of {name}\n" + textwrap.dedent(body))
    return path


def steps_by_name(res):
    return {s["name"]: s for s in res["steps"] if s.get("name")}


# ---- assert.field -----------------------------------------------------------------

FIELDS = """\
steps:
  - esapi.create_primary:
      template: ecc256
      policy: {hex: "f28230c080bbe417141199e36d18978228d8948fc10a6a24921b9eba6bb1d988"}
      outside_info: abc
      creation_pcrs: "sha256:0"
    save: p
  - name: bytes against the view's hex
    assert.field: {value: "${p.public}", path: authPolicy, expected: {hex: "F28230C080BBE417141199E36D18978228D8948FC10A6A24921B9EBA6BB1D988"}}
  - name: a number
    assert.field: {value: "${p.public}", path: parameters.symmetric.keyBits, expected: 128}
  - name: text
    assert.field: {value: "${p.public}", path: parameters.symmetric.mode, expected: cfb}
  - name: text as bytes
    assert.field: {value: "${p.creation_data}", path: outsideInfo, expected: abc}
  - name: a list item by number
    assert.field: {value: "${p.creation_data}", path: pcrSelect.0.hash, expected: sha256}
  - name: a list
    assert.field: {value: "${p.creation_data}", path: pcrSelect.0.pcrs, expected: [0]}
  - esapi.pcr_read: {pcrs: "sha256:0"}
    save: pcr0
  - crypto.hash: {data: "${pcr0.digest}"}
    save: h
  - name: a reference
    assert.field: {value: "${p.creation_data}", path: pcrDigest, expected: "${h.digest}"}
  - esapi.get_capability: {capability: properties-variable}
    save: c
  - name: a capability
    assert.field: {value: "${c.capability_data}", path: properties.TPM2_PT_MAX_AUTH_FAIL.raw, expected: 3}
  - name: only there
    assert.field: {value: "${p.public}", path: unique.x}
    save: x
  - name: one field against another
    assert.field: {value: "${p.public}", path: unique.x, expected: "${x.actual}"}
"""


def test_assert_field_passes_on_the_decoded_view(tpmrun, tmp_path):
    path = write(tmp_path, "field_ok", FIELDS)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    named = steps_by_name(tpmrun.result("field_ok"))
    assert named["a number"]["outputs"]["actual"] == 128
    assert named["a list"]["outputs"]["actual"] == [0]
    assert named["a reference"]["outputs"]["actual"] == hashlib.sha256(bytes(32)).hexdigest()
    x = named["only there"]["outputs"]["actual"]
    assert len(x) == 64 and int(x, 16) and named["one field against another"]["outputs"]["actual"] == x
    # the creation data now shows decoded in the results
    cd = tpmrun.result("field_ok")["steps"][0]["outputs"]["creation_data"]["decoded"]
    assert cd["outsideInfo"] == "616263" and cd["parentName"] == "40000001" and cd["locality"] == 1


@pytest.mark.parametrize("check, message", [
    ("{value: \"${p.public}\", path: parameters.symmetric.keyBits, expected: 256}",
     "parameters.symmetric.keyBits is 128, expected 256"),
    ("{value: \"${p.public}\", path: authPolicy, expected: {hex: \"00\"}}", "authPolicy is \""),
    ("{value: \"${p.public}\", path: parameters.nothere.keyBits, expected: 1}",
     "the decoded view has no 'nothere' at 'parameters.nothere'"),
    ("{value: \"${p.public}\", path: unique.x.0, expected: 1}", "no '0' at 'unique.x.0'"),
    ("{value: \"${p.name}\", path: authPolicy, expected: 1}", "expects a TPM structure"),
    ("{value: \"${p.public}\", path: \"\", expected: 1}", "the decoded view has no ''"),
    ("{value: \"${p.public}\", path: parameters.nothere}", "the decoded view has no 'nothere'"),
    ("{value: \"${p.public}\", path: type, expected: rsa, message: the key type}", "the key type: type is \"ecc\""),
])
def test_assert_field_fails_with_a_message(tpmrun, tmp_path, check, message):
    path = write(tmp_path, "field_bad", f"""\
        steps:
          - esapi.create_primary: {{template: ecc256}}
            save: p
          - assert.field: {check}
        """)
    p = tpmrun(path)
    assert p.returncode == 1, p.stdout + p.stderr
    res = tpmrun.result("field_bad")
    assert res["steps"][1]["status"] == "failed"
    assert message in res["steps"][1]["message"], res["steps"][1]["message"]


def test_assert_field_on_a_structure_without_a_view(tpmrun, tmp_path):
    path = write(tmp_path, "field_noview", """\
        steps:
          - esapi.create_primary: {template: ecc256}
            save: p
          - esapi.create: {parent: "${p}", template: "ecc256:ecdsa"}
            save: k
          - assert.field: {value: "${k.private}", path: size, expected: 1}
        """)
    p = tpmrun(path)
    assert p.returncode == 1
    assert "TPM2B_PRIVATE has no decoded view" in tpmrun.result("field_noview")["steps"][2]["message"]


# ---- crypto.cp_hash ---------------------------------------------------------------

def cp_hash(alg, cc, names=(), params=b""):
    h = hashlib.new(alg)
    h.update(struct.pack(">I", cc))
    for n in names:
        h.update(n)
    h.update(params)
    return h.digest()


CP_KNOWN = """\
vars:
  nv_name: {hex: "000b0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"}
steps:
  - name: PolicyAuthValue on session 0x03000000
    crypto.cp_hash: {command_code: PolicyAuthValue, names: ["03000000"]}
  - name: NV_SetBits bit 0, the index authorizing itself
    crypto.cp_hash: {command_code: TPM2_CC_NV_SetBits, names: ["${nv_name}", "${nv_name}"], parameters: ["0000000000000001"]}
  - name: NV_Extend, parameters in pieces, sha1
    crypto.cp_hash: {command_code: NV_Extend, names: ["40000001", "${nv_name}"], parameters: ["0004", "666f6f0a"], hash: sha1}
"""


def test_cp_hash_known_answers(tpmrun, tmp_path):
    p = tpmrun(write(tmp_path, "cp_known", CP_KNOWN))
    assert p.returncode == 0, p.stdout + p.stderr
    named = steps_by_name(tpmrun.result("cp_known"))
    nv_name = bytes.fromhex("000b") + bytes(range(1, 33))
    want = cp_hash("sha256", 0x16B, [bytes.fromhex("03000000")])
    assert named["PolicyAuthValue on session 0x03000000"]["outputs"]["digest"]["hex"] == want.hex()
    want = cp_hash("sha256", 0x135, [nv_name, nv_name], struct.pack(">Q", 1))
    out = named["NV_SetBits bit 0, the index authorizing itself"]["outputs"]
    assert out["digest"]["hex"] == want.hex() and out["tools_file"]["hex"] == "0020" + want.hex()
    want = cp_hash("sha1", 0x136, [bytes.fromhex("40000001"), nv_name], b"\x00\x04foo\n")
    out = named["NV_Extend, parameters in pieces, sha1"]["outputs"]
    assert out["digest"]["hex"] == want.hex() and out["tools_file"]["hex"] == "0014" + want.hex()


CP_JUDGED = """\
tags: [tpm2-tools]
steps:
  - name: ClockRateAdjust(owner, fine slower)
    crypto.cp_hash: {command_code: ClockRateAdjust, names: ["40000001"], parameters: ["ff"]}
    save: cp
  - name: tpm2-tools computes the same
    exec: {argv: [tpm2_clockrateadjust, s, --cphash, cp.hash]}
  - file.read: {path: cp.hash}
    save: tools
  - assert.equal: {actual: "${tools.data}", expected: "${cp.tools_file}"}
  - esapi.start_auth_session: {type: trial}
    save: t
  - esapi.policy_cp_hash: {session: "${t}", cp_hash: "${cp.digest}"}
  - esapi.policy_get_digest: {session: "${t}"}
    save: pol
  - esapi.set_primary_policy: {auth_policy: "${pol.digest}"}
  - esapi.start_auth_session: {type: policy}
    save: s
  - esapi.policy_cp_hash: {session: "${s}", cp_hash: "${cp.digest}"}
  - name: another rate is another command
    esapi.clock_rate_adjust: {rate_adjust: medium_slower}
    sessions: ["${s}"]
    expect: {rc: policy_fail}
  - name: the command the cpHash is of
    esapi.clock_rate_adjust: {rate_adjust: fine_slower}
    sessions: ["${s}"]
"""


def test_cp_hash_the_tpm_and_the_tools_agree(tpmrun, tmp_path):
    p = tpmrun(write(tmp_path, "cp_judged", CP_JUDGED))
    assert p.returncode == 0, p.stdout + p.stderr
    named = steps_by_name(tpmrun.result("cp_judged"))
    want = cp_hash("sha256", 0x130, [bytes.fromhex("40000001")], b"\xff")
    assert named["ClockRateAdjust(owner, fine slower)"]["outputs"]["digest"]["hex"] == want.hex()
    assert named["another rate is another command"]["rc"]["name"] == "TPM2_RC_POLICY_FAIL"


@pytest.mark.parametrize("args, message", [
    ('command_code: Unseal, names: ["zz"]', "names[0] is not hex"),
    ('command_code: Unseal, names: ["01", "02", "03", "04"]', "at most 3 handles"),
    ('command_code: Unseal, names: ["' + "00" * 80 + '"]', "names[0] is not hex of a name"),
    ('command_code: Unseal, parameters: ["0"]', "parameters[0] is not hex"),
])
def test_cp_hash_bad_input(tpmrun, tmp_path, args, message):
    p = tpmrun(write(tmp_path, "cp_bad", f"steps:\n  - crypto.cp_hash: {{{args}}}\n"))
    assert p.returncode == 1, p.stdout + p.stderr
    assert message in tpmrun.result("cp_bad")["steps"][0]["message"]


def test_cp_hash_unknown_command_is_a_load_error(tpmrun, tmp_path):
    p = tpmrun(write(tmp_path, "cp_cc", "steps:\n  - crypto.cp_hash: {command_code: NoSuchCommand}\n"))
    assert p.returncode == 2 and "cp_cc.yaml:4:" in p.stderr, p.stderr


# ---- template_data ------------------------------------------------------------------

TEMPLATES = """\
tags: [tpm2-tools]
steps:
  - esapi.create_primary: {template: "ecc256:null:aes128cfb"}
    save: p
  - exec: {argv: [tpm2_createprimary, -C, o, -G, "ecc256:null:aes128cfb", -c, p.ctx, --template-data, p.tmpl]}
  - file.read: {path: p.tmpl}
    save: tools_p
  - name: the primary's template, as tpm2-tools sends it
    assert.equal: {actual: "${tools_p.data}", expected: "${p.template_data}"}
  - esapi.create: {parent: "${p}", template: "ecc256:ecdsa", attributes: "sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth"}
    save: k
  - exec: {argv: [tpm2_create, -C, p.ctx, -G, "ecc256:ecdsa", -a, "sign|fixedtpm|fixedparent|sensitivedataorigin|userwithauth", -u, k.pub, -r, k.priv, --template-data, k.tmpl]}
  - file.read: {path: k.tmpl}
    save: tools_k
  - name: a key's template, as tpm2-tools sends it
    assert.equal: {actual: "${tools_k.data}", expected: "${k.template_data}"}
  - crypto.hash: {data: "${p.template_data}"}
    save: th
  - esapi.start_auth_session: {type: trial}
    save: t
  - esapi.policy_template: {session: "${t}", template_hash: "${th.digest}"}
  - esapi.policy_get_digest: {session: "${t}"}
    save: pol
  - esapi.set_primary_policy: {auth_policy: "${pol.digest}"}
  - esapi.start_auth_session: {type: policy}
    save: s
  - esapi.policy_template: {session: "${s}", template_hash: "${th.digest}"}
  - name: another template
    esapi.create_primary: {template: "ecc384:null:aes128cfb"}
    sessions: ["${s}"]
    expect: {rc: policy_fail}
  - name: the template, given as data, changed by name_alg
    esapi.create_primary: {template_data: "${p.template_data}", name_alg: sha384}
    sessions: ["${s}"]
    expect: {rc: policy_fail}
  - name: the template, given as data
    esapi.create_primary: {template_data: "${p.template_data}"}
    sessions: ["${s}"]
    save: p2
  - name: the same template, the same seed, the same key
    assert.equal: {actual: "${p2.name}", expected: "${p.name}"}
"""


def test_template_data_out_and_in(tpmrun, tmp_path):
    p = tpmrun(write(tmp_path, "templates", TEMPLATES))
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("templates")
    tmpl = bytes.fromhex(res["steps"][0]["outputs"]["template_data"]["hex"])
    # TPMT_PUBLIC: type ecc, nameAlg sha256, the tools' primary attributes, no policy, aes128cfb, null scheme, P-256
    assert tmpl[:4] == bytes.fromhex("0023000b") and tmpl[4:8] == struct.pack(">I", 0x30072)
    assert tmpl.endswith(bytes.fromhex("0000" "0000"))      # an empty unique: x and y


def test_template_data_that_is_no_template(tpmrun, tmp_path):
    p = tpmrun(write(tmp_path, "bad_tmpl", "steps:\n  - esapi.create_primary: {template_data: {hex: \"0023000b\"}}\n"))
    assert p.returncode == 1, p.stdout + p.stderr
    assert "template_data: not one marshaled TPMT_PUBLIC" in tpmrun.result("bad_tmpl")["steps"][0]["message"]


def test_a_sessions_name_is_its_handle(tpmrun, tmp_path):
    p = tpmrun(write(tmp_path, "sess_name", """\
        steps:
          - esapi.start_auth_session: {type: policy}
            save: s
          - esapi.start_auth_session: {type: hmac}
            save: h
        """))
    assert p.returncode == 0, p.stdout + p.stderr
    for st in tpmrun.result("sess_name")["steps"]:
        out = st["outputs"]
        assert out["name"]["hex"] == "%08x" % out["handle"]
        assert out["name"]["hex"][:2] in ("02", "03")
