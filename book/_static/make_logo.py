"""Draw the book's logo and favicon: python book/_static/make_logo.py (writes logo.png, favicon.png).

The mark is a GRU step in one picture: the update gate z, a sigmoid (blue), and the new state
h' = (1 - z) n + z h (orange, dotted) moving from the candidate to the old state as z opens.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

HERE = Path(__file__).parent
BLUE, ORANGE, GREY, INK = "#0072B2", "#D55E00", "#7f7f7f", "#1a1a1a"


def mark(ax):
    """The square mark: a rounded tile with the gate's sigmoid, the state and the candidate."""
    ax.add_patch(FancyBboxPatch((0.04, 0.04), 0.92, 0.92, boxstyle="round,pad=0,rounding_size=0.18",
                                facecolor="white", edgecolor=BLUE, linewidth=3))
    t = np.linspace(0.14, 0.86, 200)
    z = 1 / (1 + np.exp(-14 * (t - 0.5)))
    h_old, n = 0.74, 0.26
    ax.plot(t, 0.2 + 0.6 * z, color=BLUE, lw=4, solid_capstyle="round")
    ax.plot(t, (1 - z) * n + z * h_old, color=ORANGE, lw=3, ls=(0, (1.2, 1.2)),
            solid_capstyle="round")
    ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
    ax.axis("off")


def logo(path):
    fig = plt.figure(figsize=(4.0, 1.3), dpi=100)
    ax = fig.add_axes([0.0, 0.0, 0.325, 1.0])
    mark(ax)
    fig.text(0.36, 0.56, "GRU", fontsize=34, fontweight="bold", color=INK, va="center")
    fig.text(0.36, 0.2, "an interactive textbook", fontsize=12, color=GREY, va="center")
    fig.savefig(path, transparent=True)
    plt.close(fig)


def favicon(path):
    fig = plt.figure(figsize=(0.64, 0.64), dpi=100)
    mark(fig.add_axes([0, 0, 1, 1]))
    fig.savefig(path, transparent=True)
    plt.close(fig)


if __name__ == "__main__":
    logo(HERE / "logo.png")
    favicon(HERE / "favicon.png")
