"""Authoring features through the real binary: YAML anchors and merge keys,
--var and vars from the environment, matrices, fragments, richer checks."""
import hashlib
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


def test_anchor_on_a_merged_mapping_stays_usable(tpmrun, tmp_path):
    # the anchored mapping is a `<<` value (once a freed node: a crash)
    f = write(tmp_path, "merged_anchor.yaml", """\
        scenario: merged_anchor
        vars:
          m:
            <<: &x {a: one, b: two}
            c: three
          n: *x
          o:
            <<: [&y {a: four}, {d: five}]
          p: *y
        steps:
          - assert.equal: {actual: "${m.b}", expected: two}
          - assert.equal: {actual: "${n.a}", expected: one}
          - assert.equal: {actual: "${o.d}", expected: five}
          - assert.equal: {actual: "${p.a}", expected: four}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [s["status"] for s in tpmrun.result("merged_anchor")["steps"]] == ["passed"] * 4


def test_many_keys_and_anchors_found_by_hash(tpmrun, tmp_path):
    # past the size where keys and anchors are found by hash: a redefined
    # anchor is the later one, merged keys yield to the mapping's own, and a
    # duplicate key names its first line
    keys = "".join(f"    k{i}: &a{i} x{i}\n" for i in range(40))
    own = "".join(f"    k{i}: y{i}\n" for i in range(0, 40, 2))
    text = ("scenario: many_keys\nvars:\n  base:\n" + keys + "  again: &a7 seven\n  over:\n    <<: *base_map\n"
            + own + "steps:\n"
            "  - assert.equal: {actual: \"${over.k4}\", expected: y4}\n"
            "  - assert.equal: {actual: \"${over.k5}\", expected: x5}\n"
            "  - assert.equal: {actual: \"${base.k39}\", expected: *a39}\n"
            "  - assert.equal: {actual: \"${again}\", expected: *a7}\n")
    text = text.replace("  base:\n", "  base: &base_map\n")
    f = tmp_path / "many_keys.yaml"
    f.write_text(text)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr
    assert [s["status"] for s in tpmrun.result("many_keys")["steps"]] == ["passed"] * 4
    dup = tmp_path / "dup.yaml"
    dup.write_text("vars:\n" + "".join(f"  v{i}: {i}\n" for i in range(30)) + "  v3: again\n"
                   "steps:\n  - esapi.get_random: {bytes: 8}\n")
    r = tpmrun("--check", dup)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{dup}:32:3: error: duplicate key 'v3' (first at line 5)"


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


# ---- --var, vars from the environment, matrix ------------------------------

VARS = """\
    scenario: vars_demo
    vars:
      size: 8
      who: {env: TPMRUN_TEST_WHO, default: nobody}
      label: plain
    steps:
      - esapi.get_random: {bytes: "${size}"}
        save: r
      - assert.equal: {actual: "${who}", expected: "${env.WANT_WHO}"}
      - assert.equal: {actual: "${label}", expected: "${env.WANT_LABEL}"}
    """


def test_vars_default_environment_and_command_line(tpmrun, tmp_path):
    f = write(tmp_path, "vars.yaml", VARS)
    r = tpmrun(f, env={"WANT_WHO": "nobody", "WANT_LABEL": "plain"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(bytes.fromhex(tpmrun.result("vars_demo")["steps"][0]["outputs"]["random"]["hex"])) == 8
    # the environment over the default; --var over both, and typed like the var (an integer)
    r = tpmrun("--var", "size=16", "--var", "label=from cli", f,
               env={"TPMRUN_TEST_WHO": "alice", "WANT_WHO": "alice", "WANT_LABEL": "from cli"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert len(bytes.fromhex(tpmrun.result("vars_demo")["steps"][0]["outputs"]["random"]["hex"])) == 16
    r = tpmrun("--var", "who=bob", f, env={"TPMRUN_TEST_WHO": "alice", "WANT_WHO": "bob", "WANT_LABEL": "plain"})
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("args, env, err", [
    (["--var", "size=eight"], {}, "vars.yaml:3:3: error: --var size: 'eight' is not an integer (this var is one)"),
    (["--var", "sise=8"], {}, "tpmrun: --var sise: no scenario has a var or matrix axis of that name"),
    (["--var", "=8"], {}, "tpmrun: --var expects NAME=VALUE, not '=8'"),
    (["--var", "size"], {}, "tpmrun: --var expects NAME=VALUE, not 'size'"),
])
def test_var_errors(tpmrun, tmp_path, args, env, err):
    f = write(tmp_path, "vars.yaml", VARS)
    r = tpmrun("--check", *args, f, env=env)
    assert r.returncode == 2
    assert r.stderr.strip().replace(str(tmp_path) + "/", "") == err


def test_env_var_without_default_must_be_set(tpmrun, tmp_path):
    f = write(tmp_path, "needs_env.yaml", """\
        vars:
          alg: {env: TPMRUN_TEST_ALG}
        steps:
          - esapi.create_primary: {template: "${alg}"}
        """)
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"{f}:2:8: error: var 'alg': environment variable TPMRUN_TEST_ALG is not set and "
                                "there is no default: set it, give default:, or use --var alg=VALUE")
    assert tpmrun("--check", f, env={"TPMRUN_TEST_ALG": "ecc256"}).returncode == 0
    assert tpmrun("--check", "--var", "alg=ecc256", f).returncode == 0


MATRIX = """\
    scenario: mx
    matrix:
      alg: [rsa2048, ecc256]
      hash: [sha256, sha384]
    steps:
      - esapi.create_primary: {template: "${alg}"}
        save: key
      - esapi.hash: {data: abc, alg: "${hash}"}
        save: h
      - crypto.hash: {data: abc, alg: "${hash}"}
        save: sw
      - assert.equal: {actual: "${h.digest}", expected: "${sw.digest}"}
      - assert.equal: {actual: "${env.FAIL_ON}", expected: "${alg}"}
        name: fails for one alg only
    """


def test_matrix_runs_each_combination_with_its_id_results_and_junit(tpmrun, tmp_path):
    f = write(tmp_path, "mx.yaml", MATRIX)
    junit = tmp_path / "j.xml"
    r = tpmrun("--junit", junit, f, env={"FAIL_ON": "rsa2048"})
    assert r.returncode == 1        # the ecc256 runs fail their last step
    ids = ["mx[alg=rsa2048,hash=sha256]", "mx[alg=rsa2048,hash=sha384]",
           "mx[alg=ecc256,hash=sha256]", "mx[alg=ecc256,hash=sha384]"]
    for i in ids:
        res = tpmrun.result(i)
        alg, hash_ = i[len("mx[alg="):-1].split(",hash=")
        assert res["matrix"] == {"alg": alg, "hash": hash_}
        assert res["status"] == ("passed" if alg == "rsa2048" else "failed")
        want = 32 if hash_ == "sha256" else 48
        assert len(bytes.fromhex(res["steps"][1]["outputs"]["digest"]["hex"])) == want
        pub = res["steps"][0]["outputs"]["public"]["decoded"]
        assert pub["type"] == ("rsa" if alg == "rsa2048" else "ecc")
    import xml.etree.ElementTree as ET
    cases = {c.get("name"): c for c in ET.parse(junit).getroot().iter("testcase")}
    assert set(cases) == set(ids)
    assert cases["mx[alg=ecc256,hash=sha384]"].find("failure") is not None
    assert cases["mx[alg=rsa2048,hash=sha384]"].find("failure") is None
    # --var pins an axis
    r = tpmrun("--var", "alg=ecc256", f, env={"FAIL_ON": "ecc256"})
    assert r.returncode == 0, r.stdout + r.stderr
    assert "mx[alg=ecc256,hash=sha256]" in r.stdout and "rsa2048" not in r.stdout


@pytest.mark.parametrize("body, err", [
    ("matrix: {alg: []}\n", "2:15: error: matrix axis 'alg' takes a non-empty list of values, like [rsa2048, ecc256]"),
    ("matrix: {alg: [a/b]}\n", "2:16: error: matrix axis 'alg': a value becomes part of the scenario id and its "
     "results file name: no '/' or control characters"),
    ("matrix: {alg: [{hex: 00}]}\n", "2:16: error: matrix axis 'alg': values must be strings, numbers or booleans, "
     "not a mapping"),
    ("matrix: {alg: [a]}\nvars: {alg: b}\n", "3:8: error: 'alg' is a matrix axis: it cannot also be a var"),
    ("matrix: {a: [1,2,3,4,5,6,7,8], b: [1,2,3,4,5,6,7,8], c: [1,2,3,4,5]}\n",
     "2:9: error: matrix has more than 256 combinations"),
])
def test_matrix_errors(tpmrun, tmp_path, body, err):
    f = write(tmp_path, "m.yaml", "scenario: m\n" + body + "steps:\n  - esapi.get_random: {bytes: 8}\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{f}:{err}"


# ---- fragments -----------------------------------------------------------------

FRAGMENTS = ROOT / "scenarios" / "fragments"


def test_shipped_fragments_run_from_a_scenario(tpmrun, tmp_path):
    f = write(tmp_path, "uses.yaml", f"""\
        scenario: uses
        steps:
          - use: {FRAGMENTS}/ek.yaml                                   # saves ${{ek}} as it is
          - use: {{file: {FRAGMENTS}/srk.yaml, with: {{alg: rsa2048}}, as: my}}   # ${{my_srk}}
          - use: {{file: {FRAGMENTS}/pcr_policy.yaml, with: {{pcr: 16}}, save: {{policy: p16}}}}
          - use: {{file: {FRAGMENTS}/salted_session.yaml, with: {{key: "${{ek}}"}}, as: s}}
          - esapi.create: {{parent: "${{my_srk}}", template: "rsa2048:rsassa:null"}}
            sessions: ["${{s_session}}"]
          - esapi.pcr_read: {{pcrs: "sha256:16"}}
            save: pcr16
          - crypto.policy_digest:
              policy: {{policy: [{{type: POLICYPCR, pcrs: [{{pcr: 16, hashAlg: TPM2_ALG_SHA256, digest: "${{pcr16.digest}}"}}]}}]}}
            save: mine
          - assert.equal: {{actual: "${{p16.digest}}", expected: "${{mine.digest}}"}}
        """)
    r = tpmrun("-v", f)
    assert r.returncode == 0, r.stdout + r.stderr
    steps = tpmrun.result("uses")["steps"]
    assert [s["type"] for s in steps[:3]] == ["esapi.create_primary"] * 2 + ["esapi.pcr_read"]
    assert steps[0]["inputs"]["template"] == "ek-rsa2048"
    assert steps[1]["inputs"]["template"] == "srk-rsa2048"
    assert steps[1]["outputs"]["public"]["decoded"]["type"] == "rsa"
    assert steps[3]["name"] == "PolicyPCR on PCR 16, in software"       # a param inside text
    assert steps[8]["inputs"]["tpm_key"]["handle"]                           # the EK salts the session
    assert steps[9]["inputs"]["sessions"]


def test_fragment_names_prefix_mapping_and_private(tpmrun, tmp_path):
    write(tmp_path, "frag/two.yaml", """\
        fragment: two
        params:
          data: ~
        steps:
          - crypto.hash: {data: "${data}"}
            save: first
          - crypto.hash: {data: "${first.digest}"}
            save: second
        """)
    base = "scenario: s\nsteps:\n"
    cases = {
        # as: every save under the prefix
        "  - use: {file: frag/two.yaml, with: {data: abc}, as: t}\n"
        "  - assert.equal: {actual: '${t_second.digest}', expected: '${t_second.digest}'}\n": None,
        # save: only what is mapped; the rest is private
        "  - use: {file: frag/two.yaml, with: {data: abc}, save: {second: h2}}\n"
        "  - assert.equal: {actual: '${h2.digest}', expected: '${h2.digest}'}\n": None,
        "  - use: {file: frag/two.yaml, with: {data: abc}, save: {second: h2}}\n"
        "  - assert.equal: {actual: '${first}', expected: x}\n":
            "4:29: error: undefined reference 'first': no var or earlier step saves it",
        # neither: as written, so two uses collide
        "  - use: {file: frag/two.yaml, with: {data: abc}}\n"
        "  - use: {file: frag/two.yaml, with: {data: abd}}\n":
            "frag/two.yaml:6:11: error: duplicate save name 'first' (already saved by the step at line 5) "
            "(used at {f}:4:10)\nfrag/two.yaml:8:11: error: duplicate save name 'second' (already saved by the "
            "step at line 7) (used at {f}:4:10)",
        "  - use: {file: frag/two.yaml, with: {data: abc}, save: {third: x}}\n":
            "3:58: error: the fragment saves no 'third'",
        "  - use: {file: frag/two.yaml}\n":
            "3:10: error: the fragment needs param 'data' (with: {data: ...})",
        "  - use: {file: frag/two.yaml, with: {dat: abc}}\n":
            "3:39: error: the fragment has no param 'dat' (did you mean 'data'?)",
        "  - use: {file: frag/nothere.yaml}\n":
            "3:17: error: cannot read fragment 'frag/nothere.yaml': No such file or directory",
        "  - use: {file: s.yaml}\n":
            "3:17: error: 's.yaml' is not a fragment: a fragment file has 'fragment: NAME' at its top level",
        "  - use: frag/two.yaml\n    save: x\n":
            "4:5: error: a use: step takes no 'save': give with:, as: or save: inside use: {file: ..., ...}",
    }
    for body, err in cases.items():
        f = write(tmp_path, "s.yaml", base + body)
        r = tpmrun("--check", f)
        if err is None:
            assert r.returncode == 0, body + r.stderr
            continue
        assert r.returncode == 2, body
        want = err.replace("{f}", str(f))
        if not want.startswith("frag/"):
            want = f"{f}:{want}"
        assert r.stderr.strip().replace(str(tmp_path) + "/", "") == want.replace(str(tmp_path) + "/", ""), body


def test_error_inside_a_nested_fragment_names_every_line(tpmrun, tmp_path):
    inner = write(tmp_path, "frags/inner.yaml", """\
        fragment: inner
        params:
          n: 8
        steps:
          - esapi.get_random: {bytes: "${n}"}
            save: r
          - esapi.get_random: {byts: 8}
        """)
    outer = write(tmp_path, "frags/outer.yaml", """\
        fragment: outer
        steps:
          - esapi.get_random: {bytes: 4}
          - use: {file: inner.yaml, with: {n: 16}}
        """)
    f = write(tmp_path, "s.yaml", "steps:\n  - use: frags/outer.yaml\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"{inner}:7:24: error: esapi.get_random has no parameter 'byts' (did you mean "
                                f"'bytes'?) (used at {outer}:4:10, used at {f}:2:10)")


def test_fragment_self_use_is_refused(tpmrun, tmp_path):
    write(tmp_path, "loop.yaml", "fragment: loop\nsteps:\n  - use: loop.yaml\n")
    f = write(tmp_path, "s.yaml", "steps:\n  - use: loop.yaml\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert "error: fragments nest more than 8 deep (does one use itself?)" in r.stderr


def test_directory_walk_skips_fragments(tpmrun):
    r = tpmrun("--check", FRAGMENTS)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "0 scenarios checked, no errors"


# ---- assertions, decoded fields, program output ---------------------------------

def test_assertions_pass_and_fail_with_their_reasons(tpmrun, tmp_path):
    ok = write(tmp_path, "ok.yaml", """\
        scenario: asserts_ok
        steps:
          - crypto.hash: {data: abc}
            save: h
          - assert.contains: {actual: "hello world", expected: "lo w"}
          - assert.contains: {actual: "${h.digest}", expected: {hex: "ba7816bf"}}
          - assert.contains: {actual: [a, b, c], expected: b}
          - assert.matches: {actual: "tpm2 version 5.4", pattern: "^tpm2 version [0-9]+\\\\.[0-9]+$"}
          - assert.matches: {actual: {hex: "0061626300"}, pattern: "abc"}      # NULs are data
          - assert.compare: {actual: 5, op: lt, expected: 7}
          - assert.compare: {actual: 7, op: ge, expected: 7}
          - assert.length: {actual: "${h.digest}", expected: 32}
          - assert.length: {actual: "héllo", expected: 6}          # bytes, not characters
          - assert.length: {actual: [1, 2, 3], op: gt, expected: 2}
        """)
    r = tpmrun(ok)
    assert r.returncode == 0, r.stdout + r.stderr
    steps = tpmrun.result("asserts_ok")["steps"]
    assert steps[8]["outputs"] == {"length": 32, "holds": True}
    cases = [
        ('assert.contains: {actual: "hello", expected: "xyz"}', '"hello" does not contain "xyz"'),
        ('assert.contains: {actual: {hex: "0102"}, expected: {hex: "0201"}, message: order}',
         "order: 2 bytes 0102 does not contain 2 bytes 0201"),
        ('assert.matches: {actual: "abc", pattern: "^b"}', '"abc" does not match /^b/'),
        ('assert.compare: {actual: 8, op: lt, expected: 7}', "actual 8 is not lt 7"),
        ('assert.length: {actual: "abc", expected: 4}', "length 3 is not eq 4"),
        ('assert.length: {actual: 5, expected: 4}', "'actual' is integer, which has no length"),
    ]
    for step, message in cases:
        f = write(tmp_path, "bad.yaml", f"scenario: asserts_bad\nsteps:\n  - {step}\n")
        r = tpmrun(f)
        assert r.returncode == 1, step
        res = tpmrun.result("asserts_bad")
        assert res["steps"][0]["message"] == message, step


@pytest.mark.parametrize("step, err", [
    ('assert.matches: {actual: x, pattern: "a(b"}', "3:43: error: not a POSIX extended regular expression: "
                                                      "Unmatched ( or \\("),
    ('assert.compare: {actual: 1, op: lx, expected: 2}', "3:37: error: unknown comparison 'lx' (lt, le, gt, ge, eq or ne)"),
    ('assert.compare: {actual: one, op: lt, expected: 2}', "3:30: error: 'actual' expects an integer, not a string"),
])
def test_assertion_load_errors(tpmrun, tmp_path, step, err):
    f = write(tmp_path, "bad.yaml", f"scenario: b\nsteps:\n  - {step}\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip().startswith(f"{f}:{err}")


def test_references_and_expectations_reach_decoded_fields(tpmrun, tmp_path):
    f = write(tmp_path, "dec.yaml", """\
        scenario: decoded
        vars:
          m: {a: {b: 5}}
        steps:
          - esapi.create_primary: {template: ecc256, name_alg: sha384}
            save: key
            expect: {outputs: {public.decoded.nameAlg: sha384, public.decoded.parameters.curve: nist_p256}}
          - assert.equal: {actual: "${key.public.decoded.nameAlg}", expected: sha384}
          - assert.equal: {actual: "${key.public.decoded.parameters.symmetric.keyBits}", expected: 128}
          - assert.compare: {actual: "${m.a.b}", op: eq, expected: 5}
          - esapi.read_clock:
            save: c
          - assert.compare: {actual: "${c.current_time.decoded.clockInfo.clock}", op: ge,
                             expected: "${c.current_time.decoded.time}"}
          - assert.equal: {actual: "${c.current_time.decoded.clockInfo.resetCount}", expected: "${c.reset_count}"}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr
    # a mismatch names the field and both values
    f.write_text(f.read_text().replace("public.decoded.nameAlg: sha384", "public.decoded.nameAlg: sha256"))
    r = tpmrun(f)
    assert r.returncode == 1
    assert tpmrun.result("decoded")["steps"][0]["message"] == \
        """output 'public.decoded.nameAlg' is "sha384", expected "sha256\""""


@pytest.mark.parametrize("ref, err", [
    ("${key.public.nameAlg}", "a structure's fields are under 'decoded' (${key.public.decoded.FIELD}"),
    ("${key.name.x}", "${key.name} is bytes: it has no fields"),
    ("${m.a.c}", "var 'm' has no field 'a.c'"),
])
def test_decoded_reference_load_errors(tpmrun, tmp_path, ref, err):
    f = write(tmp_path, "bad.yaml", f"""\
        scenario: b
        vars:
          m: {{a: {{b: 5}}}}
        steps:
          - esapi.create_primary: {{template: ecc256}}
            save: key
          - assert.equal: {{actual: "{ref}", expected: x}}
        """)
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert f"{f}:7:29: error: " in r.stderr and err in r.stderr, r.stderr


def test_exec_expect_stdout_and_stderr(tpmrun, tmp_path):
    f = write(tmp_path, "ex.yaml", """\
        scenario: exec_streams
        steps:
          - exec: {command: "echo hello world; echo oops >&2"}
            expect: {stdout: {contains: "lo wo", matches: "^hello [a-z]+$"}, stderr: "oops\\n"}
          - exec: {argv: [tpm2_getrandom, --hex, "8"]}
            expect: {stdout: {matches: "^[0-9a-f]{16}$"}}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr
    for check, message in [("{stdout: {contains: yes}}", 'stdout "nope\\n" does not contain "yes"'),
                           ("{stderr: {matches: '^E'}}", 'stderr "warn\\n" does not match "^E"'),
                           ("{stdout: nope}", 'stdout "nope\\n" is not "nope"')]:
        f = write(tmp_path, "bad.yaml", f"""\
            scenario: exec_bad
            steps:
              - exec: {{command: "echo nope; echo warn >&2"}}
                expect: {check}
            """)
        r = tpmrun(f)
        assert r.returncode == 1, check
        assert tpmrun.result("exec_bad")["steps"][0]["message"] == message
    f = write(tmp_path, "bad.yaml", "steps:\n  - crypto.hash: {data: x}\n    expect: {stdout: x}\n")
    r = tpmrun("--check", f)
    assert r.stderr.strip() == f"{f}:3:14: error: crypto.hash runs no program: expect.stdout is for exec steps"


# ---- bytes built in the file; digests ----------------------------------------------

def test_concat_and_slice_compute_a_pcr_value(tpmrun, tmp_path):
    f = write(tmp_path, "pcr.yaml", """\
        scenario: built_bytes
        vars:
          event: {hex: "00000000000000000000000000000000000000000000000000000000000000ff"}
        steps:
          - esapi.pcr_read: {pcrs: "sha256:16"}
            save: before
          - esapi.pcr_extend: {pcr: 16, digest: "${event}"}
          - name: PCR extend in the file -- sha256(old || event)
            crypto.hash: {data: {concat: ["${before.digest}", "${event}"]}}
            save: want
          - esapi.pcr_read: {pcrs: "sha256:16"}
            expect: {outputs: {digest: "${want.digest}"}}
          - assert.equal: {actual: {slice: "${want.digest}", end: 4}, expected: {slice: "${want.digest}", start: 0, end: -28}}
          - assert.equal: {actual: {concat: [{hex: "0102"}, abc, {slice: {hex: "a0a1a2"}, start: 1}]},
                           expected: {hex: "0102616263a1a2"}}
          - assert.length: {actual: {slice: "${want.digest}", start: -2}, expected: 2}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr
    res = tpmrun.result("built_bytes")
    want = hashlib.sha256(b"\0" * 32 + bytes.fromhex("00" * 31 + "ff")).hexdigest()
    assert res["steps"][2]["outputs"]["digest"]["hex"] == want
    f.write_text("scenario: built_bytes\nsteps:\n  - assert.equal: {actual: {slice: {hex: '0102'}, start: 1, end: 3}, "
                 "expected: x}\n")
    r = tpmrun(f)
    assert r.returncode == 1
    assert res and tpmrun.result("built_bytes")["steps"][0]["message"] == \
        "slice [1:3] of 2 bytes is out of range"


@pytest.mark.parametrize("step, err", [
    ('crypto.hash: {data: "${h.digest}${h.digest}"}',
     '4:26: error: ${h.digest} is bytes: inside text it would become its hex; join bytes with {concat: '
     '["${h.digest}", ...]}, or give "${h.digest}" alone'),
    ('assert.equal: {actual: "${h.digest}${h.digest}", expected: x}', "4:29: error: ${h.digest} is bytes: inside text"),
    ('esapi.get_random: {bytes: {concat: [a]}}', "4:31: error: 'bytes' expects integer: concat and slice build bytes"),
    ('crypto.hash: {data: {slice: abc, step: 2}}', "4:38: error: unknown slice key 'step'"),
    ('crypto.hash: {data: {concat: abc}}', '4:25: error: concat takes a non-empty list of bytes'),
    ('esapi.pcr_extend: {pcr: 16, digest: "0000000000000000000000000000000000000000000000000000000000000000"}',
     "4:41: error: 'digest' is a digest given as text that looks like hex: text is its UTF-8 bytes here; write "
     "{hex: 0000000000000000000000000000000000000000000000000000000000000000} for those 32 bytes, or {text: "),
    ('esapi.policy_or: {session: "${s}", digests: [abcd, "${h.digest}"]}',
     "4:50: error: 'digests' is a digest given as text that looks like hex"),
])
def test_bytes_and_digest_load_errors(tpmrun, tmp_path, step, err):
    f = write(tmp_path, "b.yaml", "steps:\n  - crypto.hash: {data: x}\n    save: h\n"
                                  f"  - {step}\n  - esapi.start_auth_session: {{type: trial}}\n    save: s\n")
    f.write_text(f.read_text().replace("  - esapi.start_auth_session: {type: trial}\n    save: s\n", "")
                 .replace("steps:\n", "steps:\n  - esapi.start_auth_session: {type: trial}\n    save: s\n")
                 if "${s}" in step else f.read_text())
    r = tpmrun("--check", f)
    assert r.returncode == 2
    got = r.stderr.strip().replace(str(f) + ":", "")
    if "${s}" in step:
        got = got.replace("6:", "4:", 1)
    assert got.startswith(err), got


def test_bytes_inside_other_text_are_their_hex(tpmrun, tmp_path):
    # a JSON document (fapi.import's data, an assert's text) takes the hex;
    # references alone ("${a}${b}") are refused when the step runs too
    f = write(tmp_path, "hex_text.yaml", """\
        scenario: hex_text
        steps:
          - crypto.hash: {data: abc}
            save: h
          - file.write: {path: h.bin, data: "${h.digest}"}
          - file.read: {path: h.bin}
            save: r
          - assert.equal:
              actual: '{"digest": "${r}"}'
              expected: '{"digest": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}'
          - assert.equal: {actual: "${r}${r}", expected: x}
        """)
    r = tpmrun(f)
    assert r.returncode == 1, r.stdout + r.stderr
    steps = tpmrun.result("hex_text")["steps"]
    assert [s["status"] for s in steps] == ["passed"] * 4 + ["failed"]
    assert steps[4]["message"].startswith("${r} is bytes: inside text it would become its hex; join bytes with "
                                          "{concat: [...]}")


def test_policy_or_takes_bytes(tpmrun, tmp_path):
    f = write(tmp_path, "or.yaml", """\
        scenario: policy_or_bytes
        steps:
          - esapi.start_auth_session: {type: trial}
            save: t
          - esapi.policy_auth_value: {session: "${t}"}
          - esapi.policy_get_digest: {session: "${t}"}
            save: a
          - esapi.policy_restart: {session: "${t}"}
          - esapi.policy_or:
              session: "${t}"
              digests: ["${a.digest}", {hex: "0000000000000000000000000000000000000000000000000000000000000001"}]
          - esapi.policy_get_digest: {session: "${t}"}
            save: or
          - crypto.hash:
              data: {concat: [{hex: "0000000000000000000000000000000000000000000000000000000000000000"},
                              {hex: "00000171"}, "${a.digest}",
                              {hex: "0000000000000000000000000000000000000000000000000000000000000001"}]}
            save: want
          - assert.equal: {actual: "${or.digest}", expected: "${want.digest}"}
          - esapi.flush_context: {handle: "${t}"}
        """)
    r = tpmrun(f)
    assert r.returncode == 0, r.stdout + r.stderr


# ---- skip, xfail, requires ----------------------------------------------------------

RESULTS_SCHEMA = json.loads((ROOT / "schemas" / "results.schema.json").read_text())


def test_step_conditions(tpmrun, tmp_path):
    import jsonschema
    f = write(tmp_path, "cond.yaml", """\
        scenario: step_conditions
        steps:
          - esapi.get_random: {bytes: 4}
            requires: {algorithms: [sha256, ecc], curves: [nist_p256], commands: [GetRandom],
                       properties: {TPM2_PT_NV_BUFFER_MAX: 512}, programs: [tpm2_getrandom]}
            save: met
          - esapi.hash: {data: abc, alg: sha256}
            requires: {algorithms: [sha3_256]}
            save: sha3
          - name: uses what a skipped step saves
            assert.length: {actual: "${sha3.digest}", expected: 32}
          - esapi.get_random: {bytes: 4}
            requires: {properties: {NV_BUFFER_MAX: 100000}}
          - assert.equal: {actual: 1, expected: 2}
            xfail: a known bug
          - assert.equal: {actual: 1, expected: 1}
            xfail: fixed already?
          - esapi.get_random: {bytes: 4}
            skip: not today
          - assert.length: {actual: "${met}", expected: 4}
        """)
    r = tpmrun("-v", f)
    assert r.returncode == 0, r.stdout + r.stderr
    res = tpmrun.result("step_conditions")
    jsonschema.validate(res, RESULTS_SCHEMA)
    assert res["status"] == "passed"
    got = [(s["status"], s.get("message")) for s in res["steps"]]
    assert got == [
        ("passed", None),
        ("skipped", "the TPM has no algorithm sha3_256"),
        ("skipped", "needs ${sha3}, which a step that did not run or failed as expected saves"),
        ("skipped", "the TPM's TPM2_PT_NV_BUFFER_MAX is 1024, less than 100000"),
        ("xfailed", "actual 1, expected 2"),
        ("xpassed", None),
        ("skipped", "not today"),
        ("passed", None),
    ]
    assert res["steps"][4]["xfail"] == "a known bug"
    # requires: asked the TPM, and the results show it (one GetCapability per item)
    asked = [c["command"] for c in res["steps"][0]["tpm_commands"]]
    assert asked == ["GetCapability"] * 5 + ["GetRandom"]
    assert [c["command"] for c in res["steps"][1]["tpm_commands"]] == ["GetCapability"]


def test_scenario_conditions_and_reports(tpmrun, tmp_path):
    import jsonschema
    import xml.etree.ElementTree as ET
    files = {
        "skip.yaml": "scenario: s_skip\nskip: later\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
        "unmet.yaml": "scenario: s_unmet\nrequires: {algorithms: [sha3_256]}\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
        "noprog.yaml": "scenario: s_noprog\nrequires: {programs: [no_such_program_xyz]}\n"
                       "steps:\n  - esapi.get_random: {bytes: 4}\n",
        "xfail.yaml": "scenario: s_xfail\nxfail: known\nsteps:\n  - assert.equal: {actual: 1, expected: 2}\n",
        "xpass.yaml": "scenario: s_xpass\nxfail: known\nsteps:\n  - assert.equal: {actual: 1, expected: 1}\n",
        "pass.yaml": "scenario: s_pass\nrequires: {curves: [nist_p384]}\nsteps:\n  - esapi.get_random: {bytes: 4}\n",
    }
    for name, text in files.items():
        write(tmp_path, f"d/{name}", text)
    junit = tmp_path / "j.xml"
    r = tpmrun("--junit", junit, tmp_path / "d")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "1 passed, 0 failed, 3 skipped, 1 xfailed, 1 xpassed in" in r.stdout
    want = {"s_skip": ("skipped", "later"), "s_unmet": ("skipped", "the TPM has no algorithm sha3_256"),
            "s_noprog": ("skipped", "no program no_such_program_xyz on PATH"),
            "s_xfail": ("xfailed", "actual 1, expected 2"), "s_xpass": ("xpassed", "passed, though xfail says: known"),
            "s_pass": ("passed", None)}
    for sid, (status, message) in want.items():
        res = tpmrun.result(sid)
        jsonschema.validate(res, RESULTS_SCHEMA)
        assert (res["status"], res.get("message")) == (status, message), sid
    assert "tpm" not in tpmrun.result("s_skip")      # skip: connects no TPM
    root = ET.parse(junit).getroot()
    assert root.get("skipped") == "4" and root.get("failures") == "0"
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert cases["s_skip"].find("skipped").get("message") == "later"
    assert cases["s_xfail"].find("skipped").get("message") == "xfail (known): step 1 assert.equal (line 4): actual 1, expected 2"
    for sid in ("s_xpass", "s_pass"):      # passed: step lines only (system-out), no outcome element
        assert [c.tag for c in cases[sid]] in ([], ["system-out"]), sid
    for tag, sid in (("SKIP ", "s_skip"), ("XFAIL", "s_xfail"), ("XPASS", "s_xpass")):
        assert any(l.startswith(f"{tag} {sid}") for l in r.stdout.splitlines()), r.stdout


@pytest.mark.parametrize("text, err", [
    ("requires: {algorithms: [sha265]}", "2:25: error: "),
    ("requires: {curves: nist_p999}", "2:20: error: "),
    ("requires: {commands: [Frobnicate]}", "2:23: error: "),
    ("requires: {properties: {TPM2_PT_NOPE: 1}}", "2:25: error: unknown TPM property 'TPM2_PT_NOPE'"),
    ("requires: {properties: {NV_BUFFER_MAX: -1}}", "2:40: error: requires.properties: the least value is an unsigned"),
    ("requires: {programs: [/bin/ls]}", "2:23: error: requires.programs: '/bin/ls' is a path"),
    ("requires: {tpm: x}", "2:12: error: unknown requires key 'tpm'"),
    ("skip: ''", "2:7: error: skip takes the reason"),
])
def test_condition_load_errors(tpmrun, tmp_path, text, err):
    f = write(tmp_path, "c.yaml", f"scenario: c\n{text}\nsteps:\n  - esapi.get_random: {{bytes: 4}}\n")
    r = tpmrun("--check", f)
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith(f"{f}:{err}"), r.stderr


# ---- timeout on any step ----------------------------------------------------------

def test_step_timeout_ends_the_scenario_and_cleans_up(tpmrun, tmp_path):
    f = write(tmp_path, "to.yaml", """\
        scenario: step_timeout
        steps:
          - esapi.get_random: {bytes: 4}
            timeout: 5
          - exec: {command: "sleep 30"}
            timeout: 0.5
          - esapi.get_random: {bytes: 4}
        """)
    r = tpmrun(f)
    assert r.returncode == 1
    res = tpmrun.result("step_timeout")
    assert res["status"] == "error"
    assert res["message"] == "timed out after 0.5 s (the step's timeout:) in step 2 (exec, line 5)"
    assert [s["status"] for s in res["steps"]] == ["passed"]
    assert res["duration_ms"] < 10000
    bad = write(tmp_path, "bad.yaml", "steps:\n  - esapi.get_random: {bytes: 4}\n    timeout: -1\n")
    r = tpmrun("--check", bad)
    assert r.returncode == 2
    assert r.stderr.strip() == f"{bad}:3:14: error: timeout must be seconds, more than 0 and at most 86400"


# ---- every error of a file, and the newcomer's two slips ----------------------------

def test_every_step_error_is_reported_without_cascades(tpmrun, tmp_path):
    f = write(tmp_path, "many.yaml", """\
        steps:
          - esapi.get_random: {byts: 8}
            save: r
          - assert.equal: {actual: "${r}", expected: x}
          - esapi.hash: {data: x, alg: sha265}
          - esapi.bogus: {}
          - esapi.get_random: {bytes: 8}
        """)
    r = tpmrun("--check", f)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert lines == [
        f"{f}:2:24: error: esapi.get_random has no parameter 'byts' (did you mean 'bytes'?)",
        f"{f}:5:32: error: unknown hash algorithm 'sha265' (did you mean 'sha256'?)",
        f"{f}:6:5: error: unknown step 'esapi.bogus' (tpmrun --list-steps shows them all)",
    ], r.stderr
    many = write(tmp_path, "cap.yaml", "steps:\n" + "  - esapi.get_random: {byts: 8}\n" * 25)
    r = tpmrun("--check", many)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 20


def test_hint_for_an_unquoted_reference_in_braces(tpmrun, tmp_path):
    f = write(tmp_path, "q.yaml", """\
        steps:
          - esapi.create_primary: {template: ecc256}
            save: primary
          - esapi.create: {parent: ${primary}, template: ecc256}
        """)
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"{f}:4:29: error: a ${{reference}} inside {{...}} must be quoted: \"${{...}}\" "
                                "(YAML reads an unquoted '{' as the start of a mapping)")


def test_hint_for_a_parameter_at_the_step_level(tpmrun, tmp_path):
    f = write(tmp_path, "i.yaml", """\
        steps:
          - esapi.get_random:
            bytes: 8
        """)
    r = tpmrun("--check", f)
    assert r.returncode == 2
    assert r.stderr.strip() == (f"{f}:3:5: error: 'bytes' is a parameter of esapi.get_random: indent it under "
                                "'esapi.get_random:' (deeper than the step type's own column 5)")


# ---- docs/steps.md and named templates ---------------------------------------------------

def test_steps_reference_is_current_and_its_examples_load(tpmrun, tmp_path):
    import re
    import subprocess
    from conftest import TPMRUN
    out = subprocess.run([TPMRUN, "--list-steps", "--markdown"], capture_output=True, text=True, check=True).stdout
    committed = (ROOT / "docs" / "steps.md").read_text()
    assert out == committed, "docs/steps.md is stale: run `make docs`"
    examples = re.findall(r"^### (\S+)\n.*?```yaml\n(.*?)```", committed, re.S | re.M)
    catalogue = subprocess.run([TPMRUN, "--list-steps"], capture_output=True, text=True, check=True).stdout
    names = [l.split()[0] for l in catalogue.splitlines() if l and not l.startswith(" ")]
    assert [n for n, _ in examples] == names
    body = "".join("  " + ex.strip() + "\n" for _, ex in examples)
    f = tmp_path / "examples.yaml"
    f.write_text("vars:\n  blob: {hex: '00'}\nsteps:\n"
                 "  - esapi.create_primary: {template: ecc256}\n    save: key\n"
                 "  - esapi.start_auth_session: {type: hmac}\n    save: session\n" + body)
    r = tpmrun("--check", f)
    assert r.returncode == 0, r.stderr


def test_named_templates_are_listed():
    import subprocess
    from conftest import TPMRUN
    out = subprocess.run([TPMRUN, "--list-steps", "-v"], capture_output=True, text=True, check=True).stdout
    tail = out[out.index("named-templates"):].splitlines()
    assert [l.split()[0] for l in tail[1:]] == ["ek-rsa2048", "ek-ecc256", "srk-rsa2048", "srk-ecc256"]
    assert "TCG EK Credential Profile" in tail[1]
