"""Execute notebooks in place, each top to bottom in a fresh kernel: `make execute`.

Usage: python tests/execute_notebooks.py book/part/chapter.ipynb [...]
Prints each notebook's wall time, so a slow chapter is seen before CI sees it.
"""

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for path in map(Path, sys.argv[1:]):
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    print(f"{path}: {time.perf_counter() - start:.1f} s")
