// Self-test mode for the review chapter's question cards (admonitions of class `qa`). A page with
// cards gets a toolbar: "Self-test: hide answers" turns every card into its title (the ids and the
// question) and a "Reveal answer" button; "Show all" reveals every card; "Next card" moves to the
// next card whose answer is still hidden. Plain buttons (keyboard accessible), no network, no
// kernel; the mode is remembered across pages when the browser allows local storage.
(function () {
  "use strict";

  const KEY = "gru-book-self-test";
  const STYLE = `
    .qa-toolbar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center;
                  margin: 1rem 0; padding: .5rem .75rem; border: 1px solid var(--pst-color-border, #ccc);
                  border-radius: .25rem; position: sticky; top: 4rem; z-index: 10;
                  background: var(--pst-color-background, #fff); }
    .qa-toolbar .qa-status { font-size: .9em; opacity: .8; }
    .qa-reveal { display: none; margin: .25rem 0 .5rem; }
    body.qa-self-test .admonition.qa .qa-reveal { display: inline-block; }
    body.qa-self-test .admonition.qa:not(.qa-revealed) > :not(.admonition-title):not(.qa-reveal) {
      display: none; }
  `;

  function stored() {
    try { return window.localStorage.getItem(KEY) === "on"; } catch (error) { return false; }
  }
  function store(on) {
    try { window.localStorage.setItem(KEY, on ? "on" : "off"); } catch (error) { /* private mode */ }
  }

  function button(text, className) {
    const element = document.createElement("button");
    element.type = "button";
    element.className = `${className} btn btn-sm btn-outline-secondary`;
    element.textContent = text;
    return element;
  }

  function setup() {
    const cards = [...document.querySelectorAll(".admonition.qa")];
    if (cards.length === 0 || document.querySelector(".qa-toolbar")) { return; }
    const style = document.createElement("style");
    style.textContent = STYLE;
    document.head.append(style);

    const toolbar = document.createElement("div");
    toolbar.className = "qa-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Self-test");
    const toggle = button("Self-test: hide answers", "qa-toggle");
    toggle.setAttribute("aria-pressed", "false");
    const showAll = button("Show all", "qa-show-all");
    const next = button("Next card", "qa-next");
    const status = document.createElement("span");
    status.className = "qa-status";
    status.setAttribute("aria-live", "polite");
    toolbar.append(toggle, showAll, next, status);
    cards[0].parentElement.insertBefore(toolbar, cards[0]);

    const reveals = cards.map((card) => {
      const reveal = button("Reveal answer", "qa-reveal");
      reveal.setAttribute("aria-expanded", "false");
      const title = card.querySelector(".admonition-title");
      (title || card.firstChild).after(reveal);
      reveal.addEventListener("click", () => {
        setRevealed(card, !card.classList.contains("qa-revealed"));
        update();
      });
      return reveal;
    });

    function setRevealed(card, on) {
      card.classList.toggle("qa-revealed", on);
      const reveal = reveals[cards.indexOf(card)];
      reveal.textContent = on ? "Hide answer" : "Reveal answer";
      reveal.setAttribute("aria-expanded", String(on));
    }
    function selfTest() { return document.body.classList.contains("qa-self-test"); }
    function update() {
      const on = selfTest();
      toggle.textContent = on ? "Self-test: on (answers hidden)" : "Self-test: hide answers";
      toggle.setAttribute("aria-pressed", String(on));
      const shown = cards.filter((card) => card.classList.contains("qa-revealed")).length;
      status.textContent = on ? `${shown} of ${cards.length} answers revealed`
                              : `${cards.length} cards`;
    }
    function setMode(on) {
      document.body.classList.toggle("qa-self-test", on);
      cards.forEach((card) => setRevealed(card, false));
      store(on);
      update();
    }

    toggle.addEventListener("click", () => setMode(!selfTest()));
    showAll.addEventListener("click", () => {
      if (selfTest()) { cards.forEach((card) => setRevealed(card, true)); update(); }
    });
    let current = -1;               // the card "Next card" moved to last
    next.addEventListener("click", () => {
      if (!selfTest()) { setMode(true); }
      const order = cards.map((_, k) => (current + 1 + k) % cards.length);
      const k = order.find((i) => !cards[i].classList.contains("qa-revealed"));
      if (k === undefined) { status.textContent = "Every answer is revealed"; return; }
      current = k;
      cards[k].scrollIntoView({ block: "start" });
      window.scrollBy(0, -(toolbar.offsetHeight + 80));
      reveals[k].focus({ preventScroll: true });
    });
    setMode(stored());
  }

  window.gruBookSelfTest = setup;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setup);
  } else {
    setup();
  }
})();
