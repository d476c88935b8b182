"""Project checks: the pinned environment and the stored notebooks.

* environment.yml's ``name==version`` pip lines are the versions installed here (the one lock,
  shared by Binder and the Makefile), and they include every third-party package that gru_lib,
  the notebooks in book/ and these tests import;
* every notebook starts with the Colab setup cell, which installs from the repository URL written
  in _config.yml; its kernelspec is python3; it is stored executed, with execution counts 1..n.

The notebook checks pass when book/ has no notebook yet (the chapters are written in parallel):
each test loops over whatever notebooks exist and lists every one that breaks a rule.
"""

import ast
import importlib.metadata
import re
import sys
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)

# The same pattern the Makefile uses to pull the pins out of environment.yml.
PIN = re.compile(r"^ *- ([A-Za-z0-9_.-]+)==(\S+)$")


def normalize(name):
    """Distribution names compare after PEP 503 normalisation: jupyter_book == Jupyter-Book."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_versions():
    """{normalised name: version} for every ``- name==version`` line of environment.yml."""
    lines = (ROOT / "environment.yml").read_text().splitlines()
    return {normalize(m.group(1)): m.group(2) for m in map(PIN.match, lines) if m}


def code_cells(notebook):
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def python_source(cell_source):
    """A code cell's source with IPython magics and shell lines replaced by ``pass``."""
    return "\n".join(re.sub(r"^(\s*)[%!].*", r"\1pass", line)
                     for line in cell_source.splitlines())


def imported_top_level_modules(source):
    """Top-level module names of every absolute ``import x`` / ``from x import y``."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0]


def third_party(modules):
    local = {"gru_lib", "oracles", "conftest"}           # the project itself and the test helpers
    return {m for m in modules if m not in sys.stdlib_module_names and m not in local}


def repository_url():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return config["repository"]["url"].rstrip("/")


# --------------------------------------------------------------------------------------------
# environment.yml

def test_environment_pins_are_the_installed_versions():
    pins = pinned_versions()
    assert len(pins) > 50, "environment.yml should pin the whole environment"
    wrong = {}
    for name, version in pins.items():
        installed = importlib.metadata.version(name)
        if installed.removesuffix("+cpu") != version:                # torch 2.13.0+cpu
            wrong[name] = (version, installed)
    assert wrong == {}, "pinned (environment.yml) vs installed: " + repr(wrong)


def test_environment_pins_every_third_party_import():
    """gru_lib's, the notebooks', the tests' and the book's own scripts' (book/_ext, book/_static)
    imports, mapped from import name to distribution
    (yaml -> PyYAML, PIL -> pillow) with the installed packages' own metadata."""
    sources = {path: path.read_text() for folder in ("gru_lib", "tests", "book")
               for path in (ROOT / folder).rglob("*.py")}
    for path in NOTEBOOKS:
        for i, cell in enumerate(code_cells(nbformat.read(path, as_version=4))):
            sources[f"{path.relative_to(ROOT)} code cell {i + 1}"] = python_source(cell.source)
    modules = {}
    for where, source in sources.items():
        for module in third_party(imported_top_level_modules(source)):
            modules.setdefault(module, str(where))
    assert {"numpy", "torch"} <= set(modules)                      # the scan sees gru_lib's imports

    distributions = importlib.metadata.packages_distributions()
    pins = pinned_versions()
    problems = []
    for module, where in sorted(modules.items()):
        if module not in distributions:
            problems.append(f"{module} (imported in {where}) is not installed")
        elif not any(normalize(d) in pins for d in distributions[module]):
            problems.append(f"{module} (imported in {where}) comes from "
                            f"{distributions[module]}, not pinned in environment.yml")
    assert problems == []


def test_import_scan_of_a_notebook_cell():
    """The scanner itself: magics and shell lines are skipped, relative and stdlib imports too."""
    cell = ("%matplotlib inline\n!ls\nimport numpy as np, os.path\nfrom scipy.stats import norm\n"
            "if True:\n    %pip install x\nfrom . import sibling\nimport gru_lib.numpy as gnp\n")
    assert third_party(imported_top_level_modules(python_source(cell))) == {"numpy", "scipy"}


# --------------------------------------------------------------------------------------------
# Notebooks

def test_repository_url_is_in_config():
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", repository_url())


SETUP_LINE = re.compile(r"(try:|import gru_lib|except (ImportError|ModuleNotFoundError):"
                        r"|[%!]pip install .*)")


def setup_cell_problems(source, url):
    """Why a first code cell is not the Colab setup cell (an empty list when it is)."""
    problems = []
    lines = [line.strip() for line in source.splitlines()
             if line.strip() and not line.strip().startswith("#")]
    if "import gru_lib" not in lines:
        problems.append("does not try `import gru_lib`")
    installs = [line for line in lines if re.match(r"[%!]pip install", line)]
    if not any(re.search(rf"git\+{re.escape(url)}(\.git)?(@[\w./-]+)?\b", line)
               for line in installs):
        problems.append(f"does not pip-install from git+{url}")
    extra = [line for line in lines if not SETUP_LINE.fullmatch(line)]
    if extra:
        problems.append(f"holds more than the setup: {extra}")
    return problems


def test_setup_cell_check_accepts_the_documented_cell_and_refuses_others():
    """The check itself, on the setup cell the chapter writers are given."""
    url = "https://github.com/gru-book/gru-book"
    documented = ("# Colab / fresh environment: install gru_lib from the book's repository if it "
                  "is missing.\ntry:\n    import gru_lib\nexcept ImportError:\n"
                  f'    %pip install --quiet "gru_lib @ git+{url}"\n')
    assert setup_cell_problems(documented, url) == []
    assert setup_cell_problems(documented.replace(url, "https://github.com/other/fork"), url)
    assert setup_cell_problems(documented + "import numpy as np\n", url)
    assert setup_cell_problems("import numpy as np\n", url)


def test_every_notebook_starts_with_the_colab_setup_cell():
    url = repository_url()
    failures = {}
    for path in NOTEBOOKS:
        cells = code_cells(nbformat.read(path, as_version=4))
        problems = setup_cell_problems(cells[0].source, url) if cells else ["has no code cell"]
        if problems:
            failures[str(path.relative_to(ROOT))] = problems
    assert failures == {}


def test_every_notebook_runs_on_the_python3_kernel():
    failures = {}
    for path in NOTEBOOKS:
        kernelspec = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
        if kernelspec.get("name") != "python3":
            failures[str(path.relative_to(ROOT))] = kernelspec
    assert failures == {}


def test_every_notebook_is_stored_executed_in_order():
    """Execution counts 1, 2, ..., n down the code cells: run once, top to bottom, and saved."""
    failures = {}
    for path in NOTEBOOKS:
        cells = code_cells(nbformat.read(path, as_version=4))
        counts = [cell.execution_count for cell in cells]
        if counts != list(range(1, len(cells) + 1)):
            failures[str(path.relative_to(ROOT))] = (
                f"execution counts {counts[:12]}{' ...' if len(counts) > 12 else ''}, expected "
                f"1..{len(cells)}: execute it with `make execute`")
        elif cells and not any(cell.outputs for cell in cells):
            failures[str(path.relative_to(ROOT))] = "no outputs stored"
    assert not failures, "\n".join(f"{path}: {why}" for path, why in failures.items())
