"""Distribution: man pages, bash completion, make install, the Debian
package, the CI recipes, and what editors get (schema descriptions and the
yaml-language-server line of every scenario file).

The package build takes minutes: it is marked slow and runs in
`make package-check` (pytest -m slow), not in `make check`."""
import gzip
import json
import os
import pathlib
import re
import subprocess

import pytest
import yaml

from conftest import ROOT, TPMRUN

MAN = ROOT / "man"
PAGES = ["tpmrun.1", "tpmrun-scenario.5", "tpmrun-steps.7"]
MAIN_C = (ROOT / "engine" / "main.c").read_text()
SAN = ["SAN=1"] if pathlib.Path(TPMRUN).resolve().parent.name == "san" else []
SCHEMA_LINE = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")


def run(argv, **kw):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, **kw)


def long_options():
    """The getopt table's long options: {name: takes an argument}."""
    table = MAIN_C[MAIN_C.index("struct option longopts[]"):]
    table = table[:table.index("};")]
    return {m[0]: m[1] == "required_argument"
            for m in re.findall(r'\{\s*"([a-z-]+)",\s*(\w+_argument)', table)}


def short_options():
    return set(re.findall(r"[a-zA-Z]", re.search(r'getopt_long\([^"]*"([^"]*)"', MAIN_C).group(1)))


def makefile_var(name, *args):
    out = run(["make", "-s", "-C", ROOT, *args, "--eval", f"print-var: ; @echo $({name})", "print-var"], check=True)
    return out.stdout.split()


def c_key_list(path, array):
    """The words of `static const char *const ARRAY[] = { ... }` in an engine source."""
    text = (ROOT / path).read_text()
    body = re.search(r"\b%s\[\]\s*=\s*\{(.*?)\};" % re.escape(array), text, re.S).group(1)
    return re.findall(r'"([^"]+)"', body)


# ---- version -----------------------------------------------------------------

def test_the_version_is_written_once_and_agrees():
    version = re.search(r'^#define TPMRUN_VERSION "([^"]+)"$', MAIN_C, re.M).group(1)
    assert run([TPMRUN, "--version"]).stdout == f"tpmrun {version}\n"
    first = (ROOT / "debian" / "changelog").read_text().splitlines()[0]
    assert re.match(r"^tpmrun \(%s\) " % re.escape(version), first), \
        f"debian/changelog says {first!r}; engine/main.c says {version}"
    assert makefile_var("VERSION") == [version]
    assert f'"tpmrun {version}"' in (MAN / "tpmrun-steps.7").read_text()


# ---- man pages ---------------------------------------------------------------

def test_committed_steps_page_is_current():
    out = run([TPMRUN, "--list-steps", "--man"], check=True).stdout
    assert out == (MAN / "tpmrun-steps.7").read_text(), "man/tpmrun-steps.7 is stale: run `make man`"


@pytest.mark.parametrize("page", PAGES)
def test_man_page_formats_without_warnings(page):
    env = {**os.environ, "LC_ALL": "C.UTF-8", "MANWIDTH": "80"}
    p = run(["man", "--warnings=all", "-l", MAN / page], env=env)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    name, section = page.rsplit(".", 1)
    assert p.stdout.startswith(f"{name.upper()}({section})")
    assert "\nNAME\n" in p.stdout and "\nSEE ALSO\n" in p.stdout


@pytest.mark.parametrize("page", PAGES)
def test_man_page_name_section_reads_for_mandb(page):
    name = page.rsplit(".", 1)[0]
    out = run(["lexgrog", MAN / page]).stdout
    assert re.fullmatch(r'\S+: "%s - [^"]+"\n' % re.escape(name), out), out


def test_steps_page_has_every_step_with_its_parameters_and_outputs():
    page = (MAN / "tpmrun-steps.7").read_text()
    names = [line.split()[0] for line in run([TPMRUN, "--list-steps"], check=True).stdout.splitlines()]
    sections = re.findall(r"^\.SS (\S+)$", page, re.M)
    assert [s.replace("\\-", "-") for s in sections] == names
    sign = page[page.index(".SS esapi.sign\n"):]
    sign = sign[:sign.index("\n.SS ", 1)]
    for item in ['.BR key " (object, required)"', '.BR scheme " (signature\\-scheme)"',
                 "Default: \\fBnull\\fR.", '.BR signature " (TPMT_SIGNATURE)"']:
        assert item in sign


def test_tpmrun_page_documents_every_option():
    page = (MAN / "tpmrun.1").read_text()
    missing = [f"--{o}" for o in long_options() if f"\\-\\-{o.replace('-', chr(92) + '-')}" not in page]
    missing += [f"-{o}" for o in short_options() if f"\\-{o}" not in page]
    assert not missing, f"man/tpmrun.1 does not document {missing}"
    for section in ("SYNOPSIS", "OPTIONS", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"):
        assert f".SH {section}\n" in page


def test_scenario_page_names_every_key_the_loader_accepts():
    page = (MAN / "tpmrun-scenario.5").read_text().replace("\\-", "-")
    keys = {
        "top-level": c_key_list("engine/load/scenario.c", "top_keys"),
        "TPM setting": c_key_list("engine/load/scenario.c", "tpm_keys"),
        "step": c_key_list("engine/load/scenario_step.c", "step_keys"),
        "expect": c_key_list("engine/load/scenario_step.c", "expect_keys"),
        "fapi": c_key_list("engine/load/fapi_conf.c", "conf_keys"),
        "faults": c_key_list("engine/load/faults.c", "all_keys"),
    }
    # each as a bold term at the start of a line: .B steps, .BI save: " name", .RB ( ek_cert :
    missing = [f"{kind} key {k}" for kind, ks in keys.items() for k in ks
               if not re.search(r'^\.(B|BI|BR|RB) (\( )?%s(:| |$)' % re.escape(k), page, re.M)]
    assert not missing, f"man/tpmrun-scenario.5 does not mention {missing}"


def test_scenario_page_example_runs(tpmrun, tmp_path):
    page = (MAN / "tpmrun-scenario.5").read_text()
    example = re.search(r"^\.SH SYNOPSIS\n\.EX\n(.*?)^\.EE$", page, re.M | re.S).group(1)
    f = tmp_path / "example.yaml"
    f.write_text(example.replace("\\-", "-"))
    p = tpmrun(f)
    assert p.returncode == 0, p.stdout + p.stderr
    res = tpmrun.result("create_sign")
    assert res["status"] == "passed" and len(res["steps"]) == 7
    assert res["steps"][-1]["rc"]["name"] == "TPM2_RC_AUTH_FAIL"


@pytest.mark.parametrize("argv", [["--man"], ["--list-steps", "--man", "esapi.sign"]], ids=["alone", "with-names"])
def test_man_needs_list_steps_alone(argv):
    p = run([TPMRUN, *argv])
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr == "tpmrun: --man goes with --list-steps alone (the page lists every step)\n"


# ---- bash completion -----------------------------------------------------------

COMPLETE = r'''
source "$1"
complete -p tpmrun
t() {  # the words of a command line (the cursor at its end) -> the completions, one line
    COMP_LINE="$1"; COMP_POINT=${#COMP_LINE}
    read -ra COMP_WORDS <<<"$COMP_LINE"
    [[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()
    _tpmrun
    printf '%s\t' "${COMPREPLY[@]}"; echo
}
shift
for line in "$@"; do t "$line"; done
'''


def complete(*lines, cwd=ROOT):
    p = run(["bash", "--norc", "--noprofile", "-c", COMPLETE, "bash", ROOT / "completion" / "tpmrun.bash", *lines],
            cwd=cwd)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    out = p.stdout.splitlines()
    assert out[0] == "complete -F _tpmrun tpmrun"
    return [sorted(filter(None, o.split("\t"))) for o in out[1:]]


def test_completion_offers_every_option():
    (longs,) = complete(f"{TPMRUN} --")
    assert longs == sorted(f"--{o}" for o in long_options())
    (ti,) = complete(f"{TPMRUN} --ti")
    assert ti == ["--timeout", "--timings"]
    (shorts,) = complete(f"{TPMRUN} -")
    assert {f"-{o}" for o in short_options()} <= set(shorts)


def test_completion_offers_step_names_after_list_steps():
    sign, fapi = complete(f"{TPMRUN} --list-steps esapi.sig", f"{TPMRUN} --list-steps -v fapi.")
    assert sign == ["esapi.sign"]
    catalogue = run([TPMRUN, "--list-steps"], check=True).stdout
    assert fapi == sorted(n for n in re.findall(r"^(\S+)", catalogue, re.M) if n.startswith("fapi."))
    assert len(fapi) > 10


def test_completion_offers_scenario_files_and_directories(tmp_path):
    for name in ("a.yaml", "b.yml", "c.json", "d.txt", "e.pem"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    (everything,) = complete(f"{TPMRUN} ", cwd=tmp_path)
    assert everything == ["a.yaml", "b.yml", "c.json", "sub/"]
    (esapi,) = complete(f"{TPMRUN} -v scenarios/esapi/esapi_ecd")
    assert esapi == ["scenarios/esapi/esapi_ecdaa_commit.yaml", "scenarios/esapi/esapi_ecdh.yaml"]


def test_completion_offers_tcti_prefixes_and_option_values(tmp_path):
    prefixes, sw, eq, results, fault = complete(
        f"{TPMRUN} --tcti ", f"{TPMRUN} --tcti sw", f"{TPMRUN} --tcti=mss", f"{TPMRUN} --results sc",
        f"{TPMRUN} --fault warning=re")
    assert {"device:", "swtpm:", "mssim:", "tabrmd:"} <= set(prefixes)
    assert sw == ["swtpm:"]
    assert eq == ["mssim:"]
    assert results == ["scenarios", "schemas"]
    assert fault == ["retry"]           # after the word break '=', as bash inserts it
    (port,) = complete(f"{TPMRUN} --tcti mssim:")
    assert port == ["host=localhost,port=2321"]


# ---- make install ----------------------------------------------------------------

INSTALLED = [
    "bin/tpmrun",
    "share/man/man1/tpmrun.1", "share/man/man5/tpmrun-scenario.5", "share/man/man7/tpmrun-steps.7",
    "share/bash-completion/completions/tpmrun",
    "share/tpmrun/scenario.schema.json", "share/tpmrun/results.schema.json",
    "share/doc/tpmrun/README.md", "share/doc/tpmrun/ci.md", "share/doc/tpmrun/design-notes.md",
    "share/doc/tpmrun/ci/github-workflow.yml", "share/doc/tpmrun/ci/gitlab-ci.yml",
    "share/doc/tpmrun/examples/esapi/esapi_create_sign.yaml",
    "share/doc/tpmrun/examples/esapi/esapi_policy_signer.pem",
    "share/doc/tpmrun/examples/fapi/fapi_create_sign.yaml",
]


def test_make_install_and_uninstall(tpmrun, tmp_path):
    dest = tmp_path / "dest"
    p = run(["make", "-C", ROOT, *SAN, "install", f"DESTDIR={dest}", "PREFIX=/opt/tpmrun"])
    assert p.returncode == 0, p.stdout + p.stderr
    prefix = dest / "opt" / "tpmrun"
    missing = [f for f in INSTALLED if not (prefix / f).is_file()]
    assert not missing
    assert os.access(prefix / "bin" / "tpmrun", os.X_OK)
    assert (prefix / "share/doc/tpmrun/examples").rglob("*.yaml")
    ours = sorted(str(p.relative_to(ROOT / "scenarios")) for p in (ROOT / "scenarios").rglob("*") if p.is_file())
    examples = prefix / "share/doc/tpmrun/examples"
    assert sorted(str(p.relative_to(examples)) for p in examples.rglob("*") if p.is_file()) == ours
    # the examples' yaml-language-server lines resolve in the installed tree too
    link = prefix / "share/doc/tpmrun/schemas"
    assert link.is_symlink() and not os.path.isabs(os.readlink(link))
    assert (link / "scenario.schema.json").read_text() == (ROOT / "schemas/scenario.schema.json").read_text()

    # the installed binary runs an installed example on a private swtpm
    binary = prefix / "bin" / "tpmrun"
    assert run([binary, "--check", examples], env=tpmrun.env()).returncode == 0
    p = run([binary, "--results", tmp_path / "results", examples / "esapi" / "esapi_create_sign.yaml"],
            env=tpmrun.env(), cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads((tmp_path / "results" / "esapi_create_sign.json").read_text())["status"] == "passed"
    env = {**os.environ, "LC_ALL": "C.UTF-8", "MANPATH": str(prefix / "share/man")}
    assert "TPMRUN-STEPS(7)" in run(["man", "7", "tpmrun-steps"], env=env).stdout

    p = run(["make", "-C", ROOT, *SAN, "uninstall", f"DESTDIR={dest}", "PREFIX=/opt/tpmrun"])
    assert p.returncode == 0, p.stderr
    left = [str(f.relative_to(dest)) for f in dest.rglob("*") if not f.is_dir()]
    assert not left, f"make uninstall left {left}"


# ---- the Debian package ------------------------------------------------------------

def control_fields():
    """debian/control as {package or 'Source': {field: value}} (continuation lines joined)."""
    paras = {}
    for para in (ROOT / "debian" / "control").read_text().split("\n\n"):
        fields, key = {}, None
        for line in para.splitlines():
            if line[:1] in (" ", "\t") and key:
                fields[key] += " " + line.strip()
            elif ":" in line:
                key, value = line.split(":", 1)
                fields[key] = value.strip()
        if fields:
            paras[fields.get("Package", "Source")] = fields
    return paras


def relation_names(value):
    return [re.split(r"[\s(]", r.strip())[0] for r in value.split(",") if r.strip()]


def test_debian_build_depends_are_the_makefiles_build_packages():
    src = control_fields()["Source"]
    build_deps = relation_names(src["Build-Depends"])
    assert "debhelper-compat (= 13)" in src["Build-Depends"]
    deb_pkgs = makefile_var("DEB_PKGS")
    needed = [p for p in deb_pkgs if p.endswith("-dev") or p == "pkg-config"]
    assert sorted(set(build_deps) - {"debhelper-compat"}) == sorted(needed)


def test_debian_depends_on_swtpm_and_the_shared_libraries():
    pkg = control_fields()["tpmrun"]
    assert {"swtpm", "swtpm-tools", "${shlibs:Depends}", "${misc:Depends}"} <= set(relation_names(pkg["Depends"]))
    assert relation_names(pkg["Recommends"]) == ["tpm2-tools"]
    assert pkg["Architecture"] == "any"
    rules = ROOT / "debian" / "rules"
    assert os.access(rules, os.X_OK) and "dh $@" in rules.read_text()
    assert (ROOT / "debian" / "source" / "format").read_text() == "3.0 (native)\n"


@pytest.mark.slow
def test_debian_package_builds_and_its_binary_runs(tpmrun, tmp_path):
    """make package in a copy of the tree; lintian finds no error; the
    unpacked binary runs an unpacked example scenario."""
    out = tmp_path / "pkg"
    p = run(["make", "-C", ROOT, "package", f"PKG_DIR={out}"], timeout=3600)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    version = makefile_var("VERSION")[0]
    arch = run(["dpkg", "--print-architecture"], check=True).stdout.strip()
    deb = out / f"tpmrun_{version}_{arch}.deb"
    assert deb.is_file(), sorted(os.listdir(out))
    files = run(["dpkg-deb", "-c", deb], check=True).stdout
    for f in ["./usr/bin/tpmrun", "./usr/share/man/man1/tpmrun.1.gz", "./usr/share/man/man5/tpmrun-scenario.5.gz",
              "./usr/share/man/man7/tpmrun-steps.7.gz", "./usr/share/bash-completion/completions/tpmrun",
              "./usr/share/tpmrun/scenario.schema.json", "./usr/share/doc/tpmrun/copyright",
              "./usr/share/doc/tpmrun/examples/esapi/esapi_create_sign.yaml"]:
        assert re.search(r" %s( |$)" % re.escape(f), files, re.M), f"{f} is not in the package"
    depends = run(["dpkg-deb", "-f", deb, "Depends"], check=True).stdout
    for lib in ("libtss2-esys", "libtss2-fapi", "libssl3", "libyaml", "libjansson", "swtpm, swtpm-tools"):
        assert lib in depends, depends
    assert not re.search(r"^E: ", p.stdout, re.M), p.stdout     # make package ran lintian --fail-on error

    root = tmp_path / "root"
    run(["dpkg-deb", "-x", deb, root], check=True)
    binary = root / "usr" / "bin" / "tpmrun"
    assert run([binary, "--version"]).stdout == f"tpmrun {version}\n"
    example = root / "usr/share/doc/tpmrun/examples/esapi/esapi_create_sign.yaml"
    p = run([binary, "--results", tmp_path / "results", example], env=tpmrun.env(), cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert json.loads((tmp_path / "results" / "esapi_create_sign.json").read_text())["status"] == "passed"
    with gzip.open(root / "usr/share/man/man7/tpmrun-steps.7.gz", "rt") as f:
        assert f.read() == (MAN / "tpmrun-steps.7").read_text()


# ---- CI recipes --------------------------------------------------------------------

CI = ROOT / "docs" / "ci"
NEWER_OPTIONS = {"--shard", "--html"}     # docs/ci.md: newer than tpmrun 0.1.0


def fenced_yaml(md):
    return re.findall(r"^```yaml\n(.*?)^```$", md, re.M | re.S)


def test_ci_page_shows_the_recipe_files():
    blocks = fenced_yaml((ROOT / "docs" / "ci.md").read_text())
    assert blocks == [(CI / "github-workflow.yml").read_text(), (CI / "gitlab-ci.yml").read_text()]


def tpmrun_commands(doc):
    """Every shell line of a CI document that runs ./tpmrun."""
    found = []

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and "./tpmrun" in v:
            found.append(v)
    walk(doc)
    return found


def installed_packages(doc):
    """The packages the document's `apt-get install` commands name."""
    pkgs = set()

    def walk(v):
        if isinstance(v, dict):
            v = list(v.values())
        if isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and "apt-get install" in v:
            cmd = v.split("apt-get install", 1)[1].replace("\\\n", " ").split("\n")[0]
            pkgs.update(w for w in cmd.split() if not w.startswith("-"))
    walk(doc)
    return pkgs


def check_tpmrun_commands(cmds):
    assert cmds
    known = set(long_options()) | {"-j"}
    for cmd in cmds:
        for opt in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", cmd.split("./tpmrun", 1)[1]):
            assert opt.lstrip("-") in known or opt in known or opt in NEWER_OPTIONS, f"{opt} in {cmd!r}"
    assert any("-j" in c and "--junit" in c and "--html" in c for c in cmds)


def check_packages(doc):
    pkgs = installed_packages(doc) - {"ca-certificates", "git"}
    assert pkgs and pkgs <= set(makefile_var("DEB_PKGS")), pkgs - set(makefile_var("DEB_PKGS"))
    assert {"swtpm", "swtpm-tools", "libtss2-dev"} <= pkgs


def test_github_workflow_is_valid_and_runs_shards():
    doc = yaml.safe_load((CI / "github-workflow.yml").read_text())
    assert doc.get("on", doc.get(True))         # YAML 1.1 reads the key `on` as true
    jobs = doc["jobs"]
    job = jobs["scenarios"]
    assert job["container"] == "debian:12"
    assert job["strategy"]["matrix"]["shard"] == [1, 2, 3, 4]
    for j in jobs.values():
        assert all(("run" in s) != ("uses" in s) for s in j["steps"]), "each step runs a command or an action"
    cmds = tpmrun_commands(job)
    check_tpmrun_commands(cmds)
    assert any("--shard ${{ matrix.shard }}/4" in c for c in cmds)
    upload = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact")]
    assert upload and all(x in upload[0]["with"]["path"] for x in ("results/", "junit.xml", "report.html"))
    assert any("report" in c and "--html" in c for c in tpmrun_commands(jobs["report"]))
    check_packages(doc)


def test_gitlab_ci_is_valid_and_runs_shards():
    doc = yaml.safe_load((CI / "gitlab-ci.yml").read_text())
    assert doc[".debian"]["image"] == "debian:12"
    job = doc["scenarios"]
    assert job["parallel"] == 4 and job["extends"] == ".debian" and job["stage"] in doc["stages"]
    cmds = tpmrun_commands(job["script"])
    check_tpmrun_commands(cmds)
    assert any('--shard "$CI_NODE_INDEX/$CI_NODE_TOTAL"' in c for c in cmds)
    assert job["artifacts"]["reports"]["junit"] == "junit.xml" and job["artifacts"]["when"] == "always"
    for name in ("build", "scenarios", "report"):
        assert doc[name]["script"] and doc[name]["stage"] in doc["stages"]
    check_packages(doc)


# ---- editors -------------------------------------------------------------------------

def schema():
    return json.loads((ROOT / "schemas" / "scenario.schema.json").read_text())


def described(s):
    return isinstance(s, dict) and ("description" in s or any("description" in x for x in s.get("allOf", []))
                                    or s.get("$ref") == "#/definitions/expect")


def test_schema_describes_every_step_parameter_and_key():
    s = schema()
    undescribed = []

    def walk(v, path, names=False):
        """names: v maps property names to schemas (a key may be called "properties")."""
        if isinstance(v, dict):
            for k, p in ({} if names else v.get("properties", {})).items():
                if not described(p):
                    undescribed.append(f"{path}.{k}")
            for k, x in v.items():
                walk(x, f"{path}/{k}", not names and k == "properties")
        elif isinstance(v, list):
            for x in v:
                walk(x, path)
    walk(s, "")
    assert not undescribed, undescribed
    steps = [x for x in s["properties"]["steps"]["items"]["oneOf"] if x["required"] != ["use"]]   # use: a fragment
    assert len(steps) == len(run([TPMRUN, "--list-steps"], check=True).stdout.splitlines())
    for step in steps:
        (name,) = step["required"]
        params = step["properties"][name]
        assert params["description"]            # hover help on the step key, also when it may be null
        obj = params["anyOf"][0] if "anyOf" in params else params
        assert obj["additionalProperties"] is False and step["additionalProperties"] is False, name
        for p, ps in obj["properties"].items():
            assert any(x.get("description") for x in ps["allOf"]), f"{name}.{p}"
    assert s["additionalProperties"] is False


def test_json_scenarios_may_name_their_schema(tpmrun, tmp_path):
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"$schema": "../schemas/scenario.schema.json", "steps": [{"esapi.get_random": None}]}))
    p = tpmrun("--check", f)
    assert p.returncode == 0, p.stderr
    import jsonschema
    jsonschema.validate(json.loads(f.read_text()), schema())


def schema_reference(path):
    """The schema path a scenario file names, or None."""
    text = path.read_text()
    if path.suffix == ".json":
        ref = json.loads(text).get("$schema")
        return ref if isinstance(ref, str) else None
    m = SCHEMA_LINE.match(text.split("\n", 1)[0])
    return m.group(1) if m else None


def test_every_scenario_file_names_the_schema():
    """For the YAML language server (and JSON editors): a relative path to
    schemas/scenario.schema.json, on the first line (a YAML comment) or in
    a JSON file's $schema key."""
    files = sorted(p for p in (ROOT / "scenarios").rglob("*") if p.suffix in (".yaml", ".yml", ".json"))
    target = (ROOT / "schemas" / "scenario.schema.json").resolve()
    lacking, wrong = [], []
    for f in files:
        ref = schema_reference(f)
        if ref is None:
            lacking.append(str(f.relative_to(ROOT)))
        elif os.path.isabs(ref) or (f.parent / ref).resolve() != target:
            wrong.append(f"{f.relative_to(ROOT)}: {ref}")
    assert not lacking, f"{len(lacking)} scenario files lack the schema line (make schema-lines): {lacking}"
    assert not wrong, f"these do not name schemas/scenario.schema.json relatively: {wrong}"
