"""The shape of the tree: what may depend on what, and what the build and
the tests may reach.  These checks read the sources; they run no TPM."""
import pathlib

import pytest

from conftest import ROOT

SHARED = "../" + "shared"   # spelled in two pieces so this file does not name it


def tracked_files(*tops):
    for top in tops:
        p = ROOT / top
        if p.is_file():
            yield p
        else:
            yield from (f for f in p.rglob("*") if f.is_file() and "__pycache__" not in f.parts)


def test_nothing_reaches_outside_the_repository():
    """A fresh clone builds and tests on its own: no file of the build, the
    engine, the steps, CI or the tests names the workplace's shared folder."""
    offenders = [str(f.relative_to(ROOT)) for f in tracked_files("tests", "engine", "steps", ".ci", "Makefile")
                 if SHARED in f.read_text(errors="replace")]
    assert not offenders, f"these name {SHARED}: {offenders}"


# ---- layers -----------------------------------------------------------------
import collections
import functools
import os
import re
import subprocess

ENGINE = ROOT / "engine"
LAYERS = ["base", "tpm", "load", "run", "report"]
# what each folder may include (besides itself): dependencies run one way
MAY_INCLUDE = {
    "base": set(),
    "tpm": {"base"},
    "load": {"base", "tpm"},
    "run": {"base", "tpm", "load"},
    "report": {"base"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def sources():
    for p in sorted(list(ENGINE.rglob("*.[ch]")) + list((ROOT / "steps").glob("*.[ch]"))):
        yield p


def includes(path):
    return INCLUDE.findall(path.read_text())


def module(path):
    """engine/tpm/tpm_alg.c -> 'tpm/tpm_alg'; steps/exec.c -> 'steps/exec'."""
    rel = path.relative_to(ENGINE if ENGINE in path.parents else ROOT)
    return str(rel.with_suffix(""))


def test_engine_folders_are_the_layers():
    dirs = sorted(p.name for p in ENGINE.iterdir() if p.is_dir())
    assert dirs == sorted(LAYERS)
    assert sorted(p.name for p in ENGINE.iterdir() if p.is_file()) == ["README.md", "main.c"]


def test_dependencies_run_one_way():
    bad = []
    for p in ENGINE.rglob("*.[ch]"):
        layer = p.relative_to(ENGINE).parts[0]
        if layer not in MAY_INCLUDE:
            continue
        for inc in includes(p):
            top = inc.split("/")[0]
            if top != layer and top not in MAY_INCLUDE[layer]:
                bad.append(f"{p.relative_to(ROOT)} includes {inc}")
    assert not bad, bad


def test_steps_see_only_the_step_api_and_the_tpm_vocabulary():
    """A step family includes steps.h, run/step_api.h, engine/tpm/ and
    engine/base/; it never looks into the engine's state."""
    bad = []
    for p in (ROOT / "steps").glob("*.[ch]"):
        for inc in includes(p):
            if not (inc in ("steps.h", "run/step_api.h") or inc.startswith(("tpm/", "base/"))):
                bad.append(f"{p.name} includes {inc}")
        if re.search(r"->\s*world\b", p.read_text()):
            bad.append(f"{p.name} looks into ctx->world")
    assert not bad, bad


def test_steps_holds_step_families_only():
    for p in (ROOT / "steps").glob("*.c"):
        assert re.search(r"^const step_def steps_%s\[\]" % p.stem, p.read_text(), re.M), \
            f"{p.name} is not a step family (no steps_{p.stem}[] table)"
    assert sorted(p.name for p in (ROOT / "steps").glob("*.h")) == ["steps.h"]


def test_no_include_loops():
    graph = collections.defaultdict(set)
    by_name = {}
    for p in sources():
        if p.suffix == ".h":
            by_name[str(p.relative_to(ENGINE)) if ENGINE in p.parents else p.name] = module(p)
    for p in sources():
        for inc in includes(p):
            target = by_name.get(inc)
            if target and target != module(p):
                graph[module(p)].add(target)
    assert not strongly_connected(graph)


def strongly_connected(graph):
    """The groups of more than one node that reach each other (Tarjan)."""
    index, low, stack, on, groups, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in list(graph):
        if v not in index:
            visit(v)
    return groups


# ---- modules, as the linker sees them ----------------------------------------

BUILD = pathlib.Path(os.environ.get("TPMRUN_BUILD_DIR", ROOT / "build" / "rel"))


def objects():
    objs = sorted(p for p in BUILD.rglob("*.o")
                  if "unit" not in p.parts and (ROOT / p.relative_to(BUILD).with_suffix(".c")).exists())
    assert objs, f"no objects in {BUILD}: run `make`"
    return objs


@functools.lru_cache(maxsize=None)
def symbol_table():
    """{object: (defined global functions and data, undefined symbols)}, from
    one nm over every object (the three tests below share it)."""
    objs = objects()
    out = subprocess.run(["nm", "-P", "-A", *map(str, objs)], capture_output=True, text=True, check=True).stdout
    table = {str(o): (set(), set()) for o in objs}
    for line in out.splitlines():
        path, rest = line.split(": ", 1)
        name, kind = rest.split()[:2]
        if name.startswith(("__odr_asan", "__asan", "__ubsan", "__sancov")):
            continue    # the sanitizers' own (SAN=1 builds)
        if kind in "TDBR":
            table[path][0].add(name)
        elif kind == "U":
            table[path][1].add(name)
    return table


def symbols(obj):
    """(defined global functions and data, undefined symbols) of an object."""
    return symbol_table()[str(obj)]


def obj_module(obj):
    return str(obj.relative_to(BUILD).with_suffix(""))


def test_no_call_loops_between_modules():
    table = {obj_module(o): symbols(o) for o in objects()}
    owner = {s: m for m, (defined, _) in table.items() for s in defined}
    graph = collections.defaultdict(set)
    for m, (_, undefined) in table.items():
        for s in undefined:
            if s in owner and owner[s] != m:
                graph[m].add(owner[s])
    assert not strongly_connected(graph)


# The handler vocabulary of the step API is arg_*, out_*, ctx_*, step_*.
PREFIX_EXCEPTIONS = {
    "engine/run/step_api": ("arg", "out_", "ctx_", "step_"),
    "engine/run/step_io": ("step_args_", "step_out_"),
    "engine/main": ("main",),
    "engine/run/fapi_lazy": ("fapi_lazy_", "Fapi_"),   # libtss2-fapi's own names, loaded on first use
    "engine/tpm/ossl_ctx": ("ossl_ctx_", "OSSL_LIB_CTX_"),   # libcrypto's, bound first for tpm2-tss
}


def test_exported_names_carry_their_module_prefix():
    bad = []
    for o in objects():
        m = obj_module(o)
        base = pathlib.Path(m).name
        allowed = PREFIX_EXCEPTIONS.get(m, ("steps_", base) if m.startswith("steps/") else (base,))
        for s in symbols(o)[0]:
            if not s.startswith(allowed):
                bad.append(f"{m}: {s}")
    assert not bad, bad


def test_every_header_is_implemented_by_its_source():
    """Each function a header declares is defined by the source of the
    same name, and every header but steps.h has that source."""
    defined = {obj_module(o): symbols(o)[0] for o in objects()}
    decl = re.compile(r"^(?!typedef)[A-Za-z_][\w\s\*]*?\b(\w+)\s*\([^;{]*\)\s*(?:__attribute__\(\(.*\)\))?\s*;", re.M)
    bad = []
    for h in sorted(ENGINE.rglob("*.h")):
        m = str(h.relative_to(ROOT).with_suffix(""))
        if m not in defined:
            bad.append(f"{h.relative_to(ROOT)} has no {m}.c")
            continue
        text = re.sub(r"/\*.*?\*/", "", h.read_text(), flags=re.S)
        text = re.sub(r"#define.*?(?<!\\)\n", "", text, flags=re.S)
        for name in decl.findall(text):
            if name not in defined[m] and not name.startswith("arg_"):   # typed accessors: step_api.c's X-macro
                bad.append(f"{h.relative_to(ROOT)} declares {name}, which {m}.c does not define")
    assert not bad, bad


def transitive_includers(header):
    """The .c files that include `header` (engine-relative), directly or not."""
    by_file = {}
    for p in sources():
        by_file[p] = includes(p)
    name_of = {p: (str(p.relative_to(ENGINE)) if ENGINE in p.parents else p.name) for p in by_file}
    name_of.update({p: "steps/" + p.name for p in by_file if p.parent.name == "steps" and p.suffix == ".h"})
    reach = {header}
    changed = True
    while changed:
        changed = False
        for p, incs in by_file.items():
            if p.suffix == ".h" and name_of[p] not in reach and reach.intersection(incs):
                reach.add(name_of[p])
                if p.name == "steps.h":
                    reach.add("steps.h")
                changed = True
    return sorted(str(p.relative_to(ROOT)) for p, incs in by_file.items()
                  if p.suffix == ".c" and reach.intersection(incs))


@pytest.mark.parametrize("header", ["engine/tpm/tpm_cc.h", "engine/run/world.h", "engine/base/jsonx.h"])
def test_touching_a_header_rebuilds_only_its_includers(header):
    san = ["SAN=1"] if BUILD.name == "san" else []
    out = subprocess.run(["make", "-n", "-W", header, *san, "BUILD=" + str(BUILD.relative_to(ROOT))
                          if BUILD.is_relative_to(ROOT) else "BUILD=" + str(BUILD)],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    rebuilt = sorted(set(re.findall(r"CC {6}(\S+\.c)", out)))
    want = transitive_includers(header.removeprefix("engine/"))
    assert rebuilt == want
    assert len(rebuilt) < len(list(sources())) / 2
