"""Figures the chapters share, in one style (``book.mplstyle``, colour-blind-safe colours)."""

from pathlib import Path

import matplotlib.pyplot as plt

STYLE = Path(__file__).with_name("book.mplstyle")


def use_style():
    """Apply the book's matplotlib style."""
    plt.style.use(STYLE)


def heatmap(ax, values, title=None, xlabel="time step t", ylabel="unit", vmin=0.0, vmax=1.0,
            cmap="viridis", colorbar=True):
    """Draw a (units × time) array as an image, e.g. gate activations r_t or z_t of one sequence."""
    im = ax.imshow(values, aspect="auto", interpolation="nearest", vmin=vmin, vmax=vmax, cmap=cmap,
                   origin="lower")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(False)
    if colorbar:
        ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.02)
    return im
