"""Plot style for the course: readable, colour-blind safe, and described in words.

Every course plot has a title that states the finding, labelled axes, the
Okabe-Ito palette (distinguishable with the common forms of colour blindness),
alt text for screen readers and a one-line "what this shows".

Example
-------
>>> from campaign_lab import plotting
>>> plotting.use_course_style()
>>> fig, ax = plotting.figure()
>>> _ = ax.bar(["North", "South"], [0.6, 0.4])
>>> plotting.show(fig, ax, title="North holds most voters", xlabel="Ward", ylabel="Share",
...               alt="Bar chart: North 60%, South 40%.", reading="North has half again as many voters as South.")
<IPython.core.display.HTML object>
"""

from __future__ import annotations

import base64
import html
import io

import matplotlib
import matplotlib.pyplot as plt

__all__ = ["OKABE_ITO", "figure", "figure_html", "show", "use_course_style"]

# Okabe & Ito (2008), "Color Universal Design": safe for colour-blind readers.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]


def use_course_style() -> None:
    """Set the course's fonts, sizes and colour-blind-safe colour cycle."""
    plt.rcParams.update(
        {
            "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
            "figure.figsize": (7.5, 4.2),
            "figure.dpi": 100,
            "font.size": 11,
            "axes.titlesize": 13,
            "axes.titleweight": "bold",
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
        }
    )


def figure(**kwargs):
    """A new figure and axes in the course style."""
    use_course_style()
    return plt.subplots(**kwargs)


def show(fig, ax, *, title: str, xlabel: str, ylabel: str, alt: str, reading: str) -> None:
    """Label a plot, then show it with its alt text and a one-line reading.

    Parameters
    ----------
    title : str
        The finding, in words ("Turnout is lowest among 18-24s").
    xlabel, ylabel : str
        Axis labels, with units.
    alt : str
        A description for people who cannot see the image.
    reading : str
        One sentence: what this plot shows and why it matters.
    """
    for name, value in (("title", title), ("xlabel", xlabel), ("ylabel", ylabel), ("alt", alt), ("reading", reading)):
        if not value or not value.strip():
            raise ValueError(f"every course plot needs a {name}")
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    fig.tight_layout()
    _display_html(figure_html(fig, alt, reading))
    plt.close(fig)


def figure_html(fig, alt: str, reading: str) -> str:
    """The figure as self-contained HTML: an embedded PNG with alt text and its reading."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt, quote=True)}"/>'
        f"<figcaption><b>What this shows:</b> {html.escape(reading)}</figcaption></figure>"
    )


def _display_html(markup: str) -> None:
    from IPython.display import HTML, display  # IPython comes with the Jupyter kernel

    display(HTML(markup))
