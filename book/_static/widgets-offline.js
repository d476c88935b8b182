// Live ipywidgets need a Python kernel and the widget manager, which is loaded from a CDN. When the
// manager is not there (offline, or blocked), put a note where each widget would be, pointing at
// the page's static twin (a cell tagged `static-twin`), so that the page stays readable.
(function () {
  "use strict";
  const VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';

  function note(view, twin) {
    const box = document.createElement("div");
    box.className = "widget-offline-note admonition note";
    const title = document.createElement("p");
    title.className = "admonition-title";
    title.textContent = "Interactive widget";
    const text = document.createElement("p");
    text.append("This explorer runs in a live notebook: launch the page on Binder or Colab " +
                "(the rocket button at the top) to use it. ");
    if (twin) {
      const link = document.createElement("a");
      link.href = "#" + twin.id;
      link.textContent = "Its static version is below.";
      text.append(link);
    }
    box.append(title, text);
    view.parentElement.insertBefore(box, view);
  }

  function rendered(view) {
    const previous = view.previousElementSibling;
    return previous !== null && previous.classList.contains("widget-subarea");
  }

  function annotate() {
    const twins = [...document.querySelectorAll(".tag_static-twin")];
    twins.forEach((twin, i) => { if (!twin.id) { twin.id = "static-twin-" + (i + 1); } });
    document.querySelectorAll(VIEW).forEach(view => {
      if (rendered(view) || view.dataset.offlineNote) { return; }
      view.dataset.offlineNote = "1";
      const after = twins.find(twin =>
        view.compareDocumentPosition(twin) & Node.DOCUMENT_POSITION_FOLLOWING);
      note(view, after);                   // no link when no twin follows (an exercise)
    });
  }

  window.addEventListener("load", () => {
    if (typeof window.require === "undefined") {
      annotate();                          // require.js, hence the manager, did not load
    } else {
      setTimeout(annotate, 8000);          // loaded: give it time, annotate what stayed empty
    }
  });
})();
