"""The shape of the tree: what may depend on what, and what the build and
the tests may reach.  These checks read the sources; they run no TPM."""
import pathlib

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
