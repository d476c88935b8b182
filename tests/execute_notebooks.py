"""Execute notebooks in place, each top to bottom in a fresh kernel: `make execute`.

Usage: python tests/execute_notebooks.py book/part/chapter.ipynb [...]
Prints each notebook's wall time, so a slow chapter is seen before CI sees it, and records it in
the notebook's metadata, ``metadata["gru_book"]["execution"] = {"executed": ISO 8601 UTC time,
"seconds": wall time}``, which the book's execution report page shows (book/_ext/gru_book.py).
"""

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import nbformat
from nbclient import NotebookClient

for path in map(Path, sys.argv[1:]):
    nb = nbformat.read(path, as_version=4)
    started = datetime.now(timezone.utc)
    start = time.perf_counter()
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    seconds = time.perf_counter() - start
    nb.metadata.setdefault("gru_book", {})["execution"] = {
        "executed": started.isoformat(timespec="seconds"), "seconds": round(seconds, 1)}
    nbformat.write(nb, path)
    print(f"{path}: {seconds:.1f} s")
