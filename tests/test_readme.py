"""The README's Python blocks run as written (issue 11: a documented keyword crashed)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

README = Path(__file__).resolve().parent.parent / "README.md"


def python_blocks(text):
    """The ```python blocks of a Markdown text, in order."""
    return re.findall(r"^```python\n(.*?)^```", text, flags=re.S | re.M)


def test_the_readme_has_python_blocks():
    assert len(python_blocks(README.read_text())) >= 3


def test_every_readme_python_block_runs_in_order(capsys):
    """One namespace, as a reader pasting the blocks one after another."""
    matplotlib.use("Agg")
    namespace = {"__name__": "__readme__"}
    for number, block in enumerate(python_blocks(README.read_text()), start=1):
        code = compile(block, f"README.md python block {number}", "exec")
        exec(code, namespace)  # noqa: S102 - the README's own code, the point of the test
    printed = capsys.readouterr().out
    assert "optical_time" in printed  # the quickstart's cost summary was printed


def test_every_docstring_example_runs_and_prints_what_it_shows():
    """doctest over every module of lightsim and dfa (the examples' outputs are exact)."""
    import doctest
    import importlib
    import pkgutil

    import dfa
    import lightsim

    attempted = 0
    for package in (lightsim, dfa):
        for info in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            module = importlib.import_module(info.name)
            result = doctest.testmod(module, optionflags=doctest.ELLIPSIS, report=False)
            assert result.failed == 0, f"{info.name}: {result.failed} docstring example(s) failed"
            attempted += result.attempted
    assert attempted >= 7


def test_every_file_the_readme_points_to_exists():
    """The README pointed to a DESIGN.md that was not in the repository."""
    root = README.parent
    named = set(re.findall(r"`((?:docs|examples|benchmarks|validation|tests|data|lightsim|dfa)"
                           r"/[\w./-]+\.(?:md|py|png|json|pdf))", README.read_text()))
    named |= set(re.findall(r"\]\(((?:docs|examples)/[\w./-]+)\)", README.read_text()))
    assert named
    missing = sorted(path for path in named if not (root / path).exists())
    assert not missing, missing
