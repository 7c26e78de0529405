"""Authoring features through the real binary: YAML anchors and merge keys,
--var and vars from the environment, matrices, fragments, richer checks."""
import json
import pathlib
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def write(tmp_path, name, text):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


# ---- YAML anchors, aliases, merge keys -------------------------------------

def test_anchors_aliases_and_merge_keys_run(tpmrun, tmp_path):
    f = write(tmp_path, "anchors.yaml", """\
        scenario: anchors
        vars:
          blob: &blob {hex: "0102"}
        steps:
          - assert.equal: &same {actual: *blob, expected: {hex: "0102"}}
          - assert.equal: *same
          - assert.not_equal:
              <<: *same
              expected: {hex: "0103"}     # the mapping's own key wins over the merged one
          - crypto.hash: {data: *blob}
            save: h
          - assert.equal: {actual: "${h.digest}",
                           expected: {hex: a12871fee210fb8619291eaea194581cbd2531e4b23759d225f6806923f63222}}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr
    steps = tpmrun.result("anchors")["steps"]
    assert [s["status"] for s in steps] == ["passed"] * 5
    assert steps[2]["inputs"]["expected"]["hex"] == "0103"     # its own expected, the merged actual
    assert steps[2]["inputs"]["actual"]["hex"] == "0102"


def test_merge_key_list_first_source_wins(tpmrun, tmp_path):
    f = write(tmp_path, "merge2.yaml", """\
        scenario: merge2
        vars:
          a: &a {x: one}
          b: &b {x: two, y: three}
          m:
            <<: [*a, *b]
        steps:
          - assert.equal: {actual: "${m.x}", expected: one}
          - assert.equal: {actual: "${m.y}", expected: three}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr


def test_alias_bomb_is_refused(tpmrun, tmp_path):
    lines = ["vars:", "  l0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"  l{i}: &a{i} [" + ", ".join([f"*a{i-1}"] * 10) + "]")
    f = tmp_path / "bomb.yaml"
    f.write_text("\n".join(lines + ["steps:", "  - esapi.get_random: {bytes: 8}"]) + "\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{f}:6:47: error: YAML aliases expand to more than 100000 nodes (an alias bomb?)"


def test_self_referencing_anchor_is_refused(tpmrun, tmp_path):
    f = write(tmp_path, "rec.yaml", "vars:\n  a: &a [*a]\nsteps:\n  - esapi.get_random: {bytes: 8}\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert "rec.yaml:2:10: error: alias *a names no anchor defined before it" in r.stderr
