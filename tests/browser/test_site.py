"""The built website in a real browser (Debian's Chromium, driven by Playwright), offline.

Every page of _toc.yml is checked, so a new chapter is covered as soon as it is in the toc:

* it loads with no console error and no uncaught exception; the only errors allowed are the failed
  loads of the network-only scripts in ``NETWORK_ONLY`` (listed with the reason), and every other
  request that leaves localhost fails the test;
* every equation is typeset by the MathJax shipped with the site: one ``mjx-container`` per math
  node, no MathJax error node, no raw ``\\(`` or ``$$`` left in the text;
* every image is loaded (``naturalWidth > 0``) and has alt text that describes it (not empty, not a
  file name);
* every internal link resolves: the target file exists and so does the anchor;
* a notebook page has Binder and Colab buttons pointing at that notebook in the repository of
  _config.yml, and a page with a live widget says where its static twin is;
* static twins (cells tagged ``static-twin``) are visible, and a twin with frames changes its frame
  when its slider moves;
* the search page finds gate names, the exercise ids of ``gru_lib.exercises`` and the question ids
  that the book's pages contain.

Screenshots of a few pages are written to ``_build/screenshots/`` for a person to look at.
"""

import base64
import functools
import io
import os
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("GRU_BOOK_HTML", ROOT / "_build" / "html")).resolve()
SCREENSHOTS = HTML.parent / "screenshots"


# Requests that are allowed to fail offline, because what they load exists only on the network.
# A blocked request to anything else is an error (a font, a script or a style sheet that should
# ship with the site).
NETWORK_ONLY = {
    "https://cdn.jsdelivr.net/npm/@jupyter-widgets/html-manager@":
        "ipywidgets' HTML manager, which renders a live widget from the state saved in the "
        "notebook; it is published only on npm/CDNs. Offline the widget is replaced by a note "
        "that points at its static twin (book/_static/widgets-offline.js).",
    "https://cdnjs.cloudflare.com/ajax/libs/require.js/":
        "require.js, the module loader of the widget manager above, on pages with widgets only.",
}
# Thebe (live code on the page) is loaded from unpkg only when a reader presses the launch
# button's "Live code"; a test that never presses it never requests it.


def toc_files():
    """Every document of _toc.yml, in order: 'book/intro', 'book/foundations/01_...', ..."""
    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                yield node["file"]
            for key in ("root",):
                if key in node:
                    yield node[key]
            for value in node.values():
                if isinstance(value, list):
                    for item in value:
                        yield from walk(item)
    return list(dict.fromkeys(walk(yaml.safe_load((ROOT / "_toc.yml").read_text()))))


DOCS = toc_files()
PAGES = [doc + ".html" for doc in DOCS]
NOTEBOOK_PAGES = [doc + ".html" for doc in DOCS if (ROOT / (doc + ".ipynb")).is_file()]
CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())


def network_only(url):
    return any(url.startswith(prefix) for prefix in NETWORK_ONLY)


@functools.cache
def anchors(path):
    """The ids (and legacy names) in one built HTML file."""
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    return {tag["id"] for tag in soup.find_all(id=True)} | {
        tag["name"] for tag in soup.find_all("a", attrs={"name": True})}


def test_every_toc_document_was_built():
    missing = [page for page in PAGES if not (HTML / page).is_file()]
    assert missing == []


@pytest.mark.parametrize("page_path", PAGES + ["search.html", "genindex.html"])
def test_page(open_page, page_path):
    page, recorder = open_page(page_path)
    problems = []

    # One load per page (a chapter takes ~15 s to typeset): every check of the page is here.
    # Network and console.
    problems += [f"request left localhost: {url}" for url in recorder.blocked
                 if not network_only(url)]
    for text, url in recorder.console_errors:
        if not (network_only(url) and text.startswith("Failed to load resource")):
            problems.append(f"console error: {text} ({url})")
    problems += [f"uncaught exception: {error}" for error in recorder.page_errors]
    allowed = sorted({url for url in recorder.blocked if network_only(url)})
    if allowed:
        print(f"{page_path}: allowed offline failures: {allowed}")

    # Equations.
    math = page.evaluate("""() => {
        const nodes = [...document.querySelectorAll('.math')];
        const text = document.querySelector('main').cloneNode(true);
        text.querySelectorAll('pre, code, script, mjx-container, .MathJax_Preview')
            .forEach(e => e.remove());
        return {nodes: nodes.length,
                containers: document.querySelectorAll('.math mjx-container').length,
                untypeset: nodes.filter(n => !n.querySelector('mjx-container')).length,
                errors: document.querySelectorAll('mjx-merror').length,
                raw: (text.innerText.match(/\\\\\\(|\\\\\\[|\\$\\$/g) || []).length};
    }""")
    if math["untypeset"] or math["containers"] < math["nodes"]:
        problems.append(f"equations not typeset: {math}")
    if math["errors"]:
        problems.append(f"{math['errors']} MathJax errors (undefined macro or bad TeX)")
    if math["raw"]:
        problems.append(f"{math['raw']} raw TeX delimiters left in the text")

    # Images.
    for image in page.evaluate("""() => [...document.images].map(img => ({
            src: img.getAttribute('src'), alt: (img.getAttribute('alt') || '').trim(),
            width: img.naturalWidth, complete: img.complete}))"""):
        name = image["src"].rsplit("/", 1)[-1]
        if not image["complete"] or image["width"] == 0:
            problems.append(f"image not loaded: {image['src']}")
        if not image["alt"] or name in image["alt"] or re.search(r"\.(png|svg|jpe?g)$",
                                                                 image["alt"]):
            problems.append(f"image without descriptive alt text: {image['src']} "
                            f"(alt={image['alt']!r})")

    # Internal links. Anchors on the page itself are looked up in the live document (scripts
    # add some, e.g. the static twins' ids), anchors on other pages in their files.
    url = page.url
    live_ids = set(page.evaluate("() => [...document.querySelectorAll('[id]')].map(e => e.id)"))
    for href in page.evaluate("() => [...document.querySelectorAll('a[href]')]"
                              ".map(a => a.getAttribute('href'))"):
        target = urlsplit(urljoin(url, href))
        if target.scheme not in ("http", "https") or target.netloc != urlsplit(url).netloc:
            continue
        path = HTML / unquote(target.path).lstrip("/")
        if path.is_dir():
            path = path / "index.html"
        if not path.is_file():
            problems.append(f"broken link {href}: no {path.relative_to(HTML)}")
        elif target.fragment and path.suffix == ".html":
            here = target.path == urlsplit(url).path
            if unquote(target.fragment) not in (live_ids if here else anchors(path)):
                problems.append(f"broken anchor {href}")

    if page_path in SCREENSHOT_PAGES:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = page_path.removesuffix(".html").replace("/", "_")
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))
    if page_path in NOTEBOOK_PAGES:
        problems += launch_button_problems(page, page_path)
        problems += widget_and_twin_problems(page)

    assert problems == [], f"{page_path}:\n" + "\n".join(problems)


def repository():
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)/?",
                         CONFIG["repository"]["url"])
    return match.group(1), match.group(2), CONFIG["repository"].get("branch", "main")


def launch_button_problems(page, page_path):
    """Binder and Colab buttons of a notebook page point at that notebook, and show when the
    launch menu opens."""
    owner, name, branch = repository()
    notebook = page_path.removesuffix(".html") + ".ipynb"
    binder = (f"{CONFIG['launch_buttons']['binderhub_url'].rstrip('/')}/v2/gh/{owner}/{name}/"
              f"{branch}?urlpath=lab/tree/{notebook}")
    colab = (f"{CONFIG['launch_buttons']['colab_url'].rstrip('/')}/github/{owner}/{name}/blob/"
             f"{branch}/{notebook}")
    hrefs = page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)")
    problems = [f"no launch button {link}" for link in (binder, colab) if link not in hrefs]
    if not problems:
        page.click("button[aria-label='Launch interactive content']")
        problems += [f"launch button {link} not shown when the menu opens"
                     for link in (binder, colab)
                     if not page.locator(f"a[href='{link}']").is_visible()]
        page.keyboard.press("Escape")
    return problems


def widget_and_twin_problems(page):
    """A live widget needs a kernel (and its manager from a CDN): offline its place holds a note
    pointing at the static twin. A twin (a cell tagged ``static-twin``) is visible; one with
    several frames gets a slider, and moving the slider shows another frame."""
    problems = []
    widgets = page.locator("script[type='application/vnd.jupyter.widget-view+json']").count()
    notes = page.locator(".widget-offline-note")
    twins = page.locator(".tag_static-twin")
    if widgets:
        if notes.count() != widgets:
            problems.append(f"{widgets} widgets but {notes.count()} offline notes")
        elif not notes.first.is_visible():
            problems.append("the offline note of the first widget is not visible")
        if twins.count() == 0:
            problems.append("a page with a live widget has no static twin (tag a cell "
                            "`static-twin`)")
        elif notes.first.locator("a").count() != 1:
            problems.append("the first widget's note does not link to its static twin")
    for i in range(twins.count()):
        twin = twins.nth(i)
        twin.scroll_into_view_if_needed()
        images = twin.locator(".cell_output img")
        if not twin.is_visible() or images.count() == 0:
            problems.append(f"static twin {i + 1} shows no figure")
        elif images.count() > 1:
            check_frames_respond(twin, twin.locator("input.twin-slider"), images.count())
    return problems


SCREENSHOT_PAGES = {"book/intro.html", "book/reference/api.html",
                    "book/reference/execution.html", *NOTEBOOK_PAGES[:3]}


def check_frames_respond(twin, slider, n_frames):
    def shown():
        return twin.evaluate("t => [...t.querySelectorAll('.cell_output img')]"
                             ".filter(img => img.offsetParent !== null).map(img => img.src)")
    first = shown()
    assert len(first) == 1, "one frame is shown at a time"
    slider.fill(str(n_frames - 1))
    last = shown()
    assert len(last) == 1 and last != first
    assert twin.locator(".twin-label").inner_text().startswith(f"{n_frames} / {n_frames}")


def test_twin_frames_on_a_test_page(browser, site):
    """The frame viewer itself, on a page made here with three small frames of different colours:
    the slider and the play button change the frame (the chapters' twins may all be single
    figures)."""
    frames = []
    for color in ("red", "green", "blue"):
        buffer = io.BytesIO()
        Image.new("RGB", (4, 4), color).save(buffer, format="PNG")
        frames.append(base64.b64encode(buffer.getvalue()).decode())
    outputs = "".join(f'<div class="output"><img alt="frame {i}" src="data:image/png;base64,{p}">'
                      "</div>" for i, p in enumerate(frames))
    html = (f'<!DOCTYPE html><html><body><main><div class="cell tag_static-twin">'
            f'<div class="cell_output">{outputs}</div></div></main>'
            '<script src="_static/static-twin.js"></script></body></html>')
    context = browser.new_context()
    page = context.new_page()
    page.route(site + "twin-test.html",
               lambda route: route.fulfill(body=html, content_type="text/html"))
    page.goto(site + "twin-test.html")
    twin = page.locator(".tag_static-twin")
    check_frames_respond(twin, twin.locator("input.twin-slider"), 3)
    slider = twin.locator("input.twin-slider")
    slider.fill("0")
    twin.locator("button.twin-play").click()
    page.wait_for_function("() => document.querySelector('input.twin-slider').value !== '0'")
    context.close()


def search_hits(open_page, query):
    page, recorder = open_page("search.html?q=" + query.replace(" ", "+"))
    page.wait_for_function(
        "() => document.querySelector('#search-results p.search-summary') !== null", timeout=15000)
    hits = page.evaluate("() => [...document.querySelectorAll('#search-results ul.search li a')]"
                         ".map(a => a.getAttribute('href'))")
    assert recorder.page_errors == []
    return page, [href.split("?")[0].split("#")[0] for href in hits]


@pytest.mark.parametrize("query, page_path", [
    ("update gate", "book/foundations/02_gru_equations.html"),
    ("reset gate", "book/foundations/03_gates_up_close.html"),
    ("candidate", "book/foundations/02_gru_equations.html"),
])
def test_search_finds_gate_names(open_page, query, page_path):
    if page_path not in PAGES:
        pytest.skip(f"{page_path} is not in _toc.yml")
    page, hits = search_hits(open_page, query)
    assert page_path in hits, hits
    if query == "update gate":
        page.screenshot(path=str(SCREENSHOTS / "search-update-gate.png"))


def exercise_ids_in_pages():
    from gru_lib import exercises
    found = {}
    for page_path in PAGES:
        if not (HTML / page_path).is_file():          # not built: the tests are skipped
            continue
        text = (HTML / page_path).read_text(encoding="utf-8")
        for exercise_id in exercises.EXERCISES:
            if f'id="{exercise_id}"' in text:
                found[exercise_id] = page_path
    return sorted(found.items())


@pytest.mark.parametrize("exercise_id, page_path", exercise_ids_in_pages())
def test_search_finds_exercise_ids(open_page, exercise_id, page_path):
    """Each exercise of the checker names its id in its text ("check(\\"ch2-ex-before\\", ...)")."""
    _, hits = search_hits(open_page, exercise_id)
    assert page_path in hits, hits


QUESTION_ID = re.compile(r"\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*/Q\d+\b")


def question_ids_in_pages(limit=5):
    """Question ids (like ``interview-100/Q7``) that the built pages show, with the page."""
    found = {}
    for page_path in PAGES:
        soup = BeautifulSoup((HTML / page_path).read_text(encoding="utf-8"), "html.parser")
        main = soup.find("main") or soup
        for question_id in QUESTION_ID.findall(main.get_text(" ")):
            found.setdefault(question_id, page_path)
    return sorted(found.items())[:limit]


def test_search_finds_question_ids(open_page):
    found = question_ids_in_pages()
    if not found:
        pytest.skip("no page shows a question id like 'interview-100/Q7' yet (the review chapter "
                    "lists them)")
    for question_id, page_path in found:
        _, hits = search_hits(open_page, question_id)
        assert page_path in hits, (question_id, hits)


def test_execution_report_lists_every_notebook(open_page):
    """book/reference/execution: one row per notebook of the toc, each with its recorded run."""
    if "book/reference/execution.html" not in PAGES:
        pytest.skip("no execution report in _toc.yml")
    page, _ = open_page("book/reference/execution.html")
    rows = page.evaluate("""() => [...document.querySelectorAll('table.execution-report tbody tr')]
        .map(tr => ({href: tr.querySelector('a') && tr.querySelector('a').getAttribute('href'),
                     cells: [...tr.querySelectorAll('td')].map(td => td.innerText.trim())}))""")
    linked = sorted(urljoin("book/reference/execution.html", row["href"]).split("#")[0]
                    for row in rows)
    assert linked == sorted(NOTEBOOK_PAGES)
    unrecorded = [row["cells"][0] for row in rows
                  if not re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", row["cells"][1])
                  or not re.fullmatch(r"\d+\.\d s", row["cells"][2])]
    assert unrecorded == [], ("no execution record: run `python tests/execute_notebooks.py` on "
                              f"these notebooks (or `make execute`): {unrecorded}")
