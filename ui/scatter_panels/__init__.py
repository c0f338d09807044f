"""Projections of the test digits side by side, with the digit itself under the pointer: a custom component.

Each panel is a canvas of coloured dots drawn by the repository's own script (panels.js, no CDN, no network);
hovering a dot shows its 28x28 digit from the pixels sent with the points and rings the same digit in every panel,
so one digit can be followed from PCA to t-SNE to UMAP. Plotly has no hover event that Streamlit passes on, and
plotly.js is a large script to load on a page's first visit, which is why this is written by hand.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.components.v2 import component

from ui.charts import PALETTE
from vae_core.framing import frame
from vae_core.images import to_uint8

_HERE = Path(__file__).parent
_HTML = """<div class="sp-root">
<p class="sp-fallback" hidden>The projection panels could not start in this browser.</p>
<div class="sp-row"></div><div class="sp-legend"></div>
<div class="sp-tip" hidden><canvas width="28" height="28"></canvas><span></span></div></div>"""
_CSS = """
.sp-root { position: relative; }
.sp-row { display: flex; gap: 10px; }
.sp-row canvas { display: block; border-radius: 4px; }
.sp-legend { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 6px; font: 12px sans-serif; opacity: 0.8; }
.sp-legend i { display: inline-block; width: 10px; height: 10px; border-radius: 50%; margin-right: 4px; }
.sp-tip { position: absolute; pointer-events: none; z-index: 10; padding: 6px; border-radius: 6px;
  background: rgba(20, 20, 20, 0.92); color: #fff; font: 12px sans-serif; text-align: center; }
.sp-tip[hidden] { display: none; }
.sp-tip canvas { width: 84px; height: 84px; image-rendering: pixelated; display: block; margin-bottom: 2px; }
"""
_component = component("vae_explorer.scatter_panels", html=_HTML, css=_CSS,
                       js=(_HERE.parent / "payload.js").read_text() + "\n" + (_HERE / "panels.js").read_text(),
                       isolate_styles=False)


def payload(panels: list[tuple[str, np.ndarray]], labels: np.ndarray, indices: np.ndarray, images: np.ndarray,
            key: str, mark: tuple[float, float] | None = None, mark_label: str = "") -> bytes:
    """The component's data. panels: (title, (n, 2) coordinates) each; labels, indices (n,); images (n, 28, 28)
    in [0, 1]; `key` names the figure (the page sends the same bytes on a rerun, and the browser redraws nothing);
    `mark`: a point of the user's, drawn as a star labelled `mark_label` in the first panel."""
    n = len(labels)
    marks = [[float(mark[0]), float(mark[1])]] if mark is not None else []
    header = {"titles": [title for title, _ in panels], "n": n, "colours": list(PALETTE), "key": f"{key}|{marks}",
              "marks": marks, "markLabel": mark_label}
    xy = np.stack([np.asarray(coords, "<f4").reshape(n, 2) for _, coords in panels])
    return frame(header, [xy, np.asarray(labels, np.uint8), np.asarray(indices, "<u4"),
                          to_uint8(np.asarray(images)).reshape(n, 784)])


def scatter_panels(panels: list[tuple[str, np.ndarray]], labels: np.ndarray, indices: np.ndarray,
                   images: np.ndarray, key: str, component_key: str = "scatter_panels",
                   mark: tuple[float, float] | None = None, mark_label: str = "") -> None:
    """Show the panels (see `payload`)."""
    _component(key=component_key, data=payload(panels, labels, indices, images, key, mark, mark_label))

