"""A Plotly figure whose hover tooltip shows the digit image itself.

Plotly's own hover labels hold text only and `st.plotly_chart` exposes no hover events, so this renders the
figure with plotly.js (the copy bundled in the plotly package: nothing is fetched from the network) inside an
iframe, with a small script that shows the hovered point's image, label and index.

plotly.js is 4.8 MB. Inlined, every render sent it again and the browser compiled it again (~1 s of browser CPU
and 0.3 s of the server's per visit, measured here); so `scripts/setup.sh` copies the package's file to
static/plotly.min.js (`python -m ui.hover_images`), the server serves it at /app/static/ (.streamlit/config.toml)
and the figure loads it from there, cached by the browser. Without that copy the figure inlines it as before.

    python -m ui.hover_images     # (re)copy static/plotly.min.js from the installed plotly package
"""

from __future__ import annotations

import base64
import filecmp
import functools
import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import streamlit as st

from vae_core.files import write_bytes_atomic
from vae_core.images import png_bytes

PLOTLY_JS = Path(__file__).resolve().parent.parent / "static" / "plotly.min.js"


def _package_plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@functools.cache
def plotly_js_url() -> str | None:
    """Where the browser gets plotly.js from the server, or None to inline it: static/ must hold the installed
    plotly package's own file, byte for byte (a copy from another version could not draw this figure's JSON)."""
    if not (st.get_option("server.enableStaticServing") and PLOTLY_JS.is_file()
            and filecmp.cmp(PLOTLY_JS, _package_plotly_js(), shallow=False)):
        return None
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{'/' + base if base else ''}/app/static/plotly.min.js"

_SCRIPT = """
<div id="digit-tip" style="position:fixed;display:none;pointer-events:none;z-index:10;padding:6px;
  border-radius:6px;background:rgba(20,20,20,.92);color:#fff;font:12px sans-serif;text-align:center">
  <img id="digit-tip-img" width="84" height="84" style="image-rendering:pixelated;display:block"/>
  <span id="digit-tip-text"></span></div>
<script>
const IMAGES = __IMAGES__;
const plot = document.getElementsByClassName('plotly-graph-div')[0];
const tip = document.getElementById('digit-tip');
plot.on('plotly_hover', (e) => {
  const p = e.points[0]; if (!p.customdata) return;
  const i = p.customdata[0];
  document.getElementById('digit-tip-img').src = 'data:image/png;base64,' + IMAGES[i];
  document.getElementById('digit-tip-text').textContent = 'label ' + p.customdata[1] + ' · #' + i;
  const ev = e.event;
  tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - 110) + 'px';
  tip.style.top = Math.min(ev.clientY + 14, window.innerHeight - 120) + 'px';
  tip.style.display = 'block';
});
plot.on('plotly_unhover', () => { tip.style.display = 'none'; });
</script>
"""


@st.cache_data(show_spinner=False, max_entries=16)
def encode_images(_test_images: np.ndarray, indices: np.ndarray) -> dict[int, str]:
    """{test index: base64 PNG} of MNIST test digits a figure shows (2,000 PNGs: ~0.25 s, most of the Latent
    projections page's own time; kept per set of indices: the test images are always the same, so they are left
    out of the cache key rather than hashed, 31 MB, on every call)."""
    return {int(i): base64.b64encode(png_bytes(_test_images[i])).decode() for i in indices}


def render(fig: go.Figure, images_b64: dict[int, str], height: int) -> None:
    """Show `fig` (its points carry customdata [index, label]) with image tooltips."""
    fig = go.Figure(fig)
    fig.update_traces(hoverinfo="none", hovertemplate=None)
    fig.update_layout(paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(128,128,128,0.08)",
                      font=dict(color="#888"))
    html = fig.to_html(include_plotlyjs=plotly_js_url() or True, full_html=True, config={"displaylogo": False},
                       default_height=f"{height - 20}px", post_script=None)
    html = html.replace("</body>", _SCRIPT.replace("__IMAGES__", json.dumps(images_b64)) + "</body>")
    st.iframe(html, height=height)  # our own figure and images only, never user HTML


if __name__ == "__main__":
    write_bytes_atomic(PLOTLY_JS, _package_plotly_js().read_bytes())
    print(f"{PLOTLY_JS} ({PLOTLY_JS.stat().st_size:,} bytes)")
