"""The book's own Sphinx extension (``sphinx: local_extensions`` in _config.yml).

* ``{execution-report}``: a table of every notebook of the book, with when it last executed and how
  long it took, read from the record ``tests/execute_notebooks.py`` stores in each notebook's
  metadata (``metadata["gru_book"]["execution"]``). The build itself does not execute notebooks.
* The scripts the site needs offline: ``widgets-offline.js`` (a note in place of a live widget when
  its manager cannot load) and ``static-twin.js`` (a frame slider for a static twin with several
  figures), from book/_static.
* Each page lists every script once: sphinx-thebe registers its configuration script on every
  ``env-before-read-docs``, and a second registration redeclares ``const THEBE_JS_URL``, an
  uncaught SyntaxError in the browser.
"""

import json
from datetime import datetime, timezone
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxDirective

RECORD = "gru_book"


def execution_record(path):
    """``{"executed": ISO time, "seconds": float}`` stored in a notebook, or None."""
    metadata = json.loads(Path(path).read_text(encoding="utf-8")).get("metadata", {})
    return metadata.get(RECORD, {}).get("execution")


class ExecutionReport(SphinxDirective):
    """A table: notebook (linked), last executed (UTC), run time."""

    def run(self):
        env = self.env
        rows = []
        for docname in sorted(env.found_docs):
            path = Path(env.doc2path(docname))
            if path.suffix != ".ipynb":
                continue
            env.note_dependency(str(path))
            rows.append((docname, execution_record(path)))

        table = nodes.table(classes=["execution-report"])
        group = nodes.tgroup(cols=3)
        table += group
        for width in (60, 25, 15):
            group += nodes.colspec(colwidth=width)
        head, body = nodes.thead(), nodes.tbody()
        group += head
        group += body
        head += self.row([nodes.Text("Notebook"), nodes.Text("Last executed (UTC)"),
                          nodes.Text("Run time")])
        for docname, record in rows:
            link = addnodes.pending_xref("", refdomain="std", reftype="doc",
                                         reftarget="/" + docname, refexplicit=False,
                                         refdoc=env.docname)
            link += nodes.literal(docname, docname)
            if record:
                when = datetime.fromisoformat(record["executed"]).astimezone(timezone.utc)
                cells = [link, nodes.Text(when.strftime("%Y-%m-%d %H:%M")),
                         nodes.Text(f"{record['seconds']:.1f} s")]
            else:
                cells = [link, nodes.Text("not recorded: run make execute"), nodes.Text("")]
            body += self.row(cells)
        total = sum(record["seconds"] for _, record in rows if record)
        summary = nodes.paragraph(text=f"{len(rows)} notebooks, {total:.0f} s of execution "
                                       "in all (one kernel each, one BLAS thread).")
        return [table, summary]

    @staticmethod
    def row(cells):
        row = nodes.row()
        for content in cells:
            entry = nodes.entry()
            paragraph = nodes.paragraph()
            paragraph += content
            entry += paragraph
            row += entry
        return row


def unique_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated script entries (same file, or same inline body) from a page.

    Runs before the other handlers (priority 100): ``html-page-context`` stops at the first
    handler that returns a template name, so a late handler might never run.
    """
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, unique = set(), []
    for script in scripts:
        # an inline script's filename is None or "", depending on who registered it
        key = (getattr(script, "filename", script) or "",
               getattr(script, "attributes", {}).get("body"))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    scripts[:] = unique          # in place: handlers that run later add to this same list


def setup(app):
    app.add_directive("execution-report", ExecutionReport)
    app.connect("html-page-context", unique_scripts, priority=100)
    app.add_js_file("widgets-offline.js", **{"defer": "defer"})
    app.add_js_file("static-twin.js", **{"defer": "defer"})
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
