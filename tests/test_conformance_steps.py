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
"""


def test_assert_field_passes_on_the_decoded_view(tpmrun, tmp_path):
    path = write(tmp_path, "field_ok", FIELDS)
    p = tpmrun(path)
    assert p.returncode == 0, p.stdout + p.stderr
    named = steps_by_name(tpmrun.result("field_ok"))
    assert named["a number"]["outputs"]["actual"] == 128
    assert named["a list"]["outputs"]["actual"] == [0]
    assert named["a reference"]["outputs"]["actual"] == hashlib.sha256(bytes(32)).hexdigest()
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
