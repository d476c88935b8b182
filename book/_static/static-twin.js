// Static twins of the notebooks' widgets. A code cell tagged `static-twin` is the kernel-free
// version of an explorer. When it shows several figures (frames precomputed for a sequence of
// settings), they become one picture with a slider and a play button; a twin with one figure (a
// grid of panels) is left as it is.
(function () {
  "use strict";

  function frameViewer(twin) {
    const frames = [...twin.querySelectorAll(".cell_output img")];
    if (frames.length < 2 || twin.querySelector(".twin-controls")) { return; }
    const controls = document.createElement("div");
    controls.className = "twin-controls";
    const play = document.createElement("button");
    play.type = "button";
    play.className = "twin-play btn btn-sm btn-outline-secondary";
    play.textContent = "\u25B6 play";
    play.setAttribute("aria-label", "Play the frames");
    const slider = document.createElement("input");
    slider.type = "range";
    slider.className = "twin-slider";
    slider.min = "0";
    slider.max = String(frames.length - 1);
    slider.step = "1";
    slider.value = "0";
    slider.setAttribute("aria-label", "Frame");
    const label = document.createElement("span");
    label.className = "twin-label";
    controls.append(play, slider, label);
    frames[0].parentElement.parentElement.insertBefore(controls, frames[0].parentElement);

    function show(k) {
      frames.forEach((img, i) => { img.style.display = i === k ? "" : "none"; });
      slider.value = String(k);
      label.textContent = `${k + 1} / ${frames.length}` +
        (frames[k].alt ? `: ${frames[k].alt}` : "");
    }
    let timer = null;
    function stop() {
      clearInterval(timer);
      timer = null;
      play.textContent = "\u25B6 play";
    }
    slider.addEventListener("input", () => { stop(); show(Number(slider.value)); });
    play.addEventListener("click", () => {
      if (timer !== null) { stop(); return; }
      play.textContent = "\u275A\u275A pause";
      timer = setInterval(() => show((Number(slider.value) + 1) % frames.length), 800);
    });
    show(0);
  }

  window.gruBookStaticTwins = function () {
    document.querySelectorAll(".tag_static-twin").forEach(frameViewer);
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", window.gruBookStaticTwins);
  } else {
    window.gruBookStaticTwins();
  }
})();
