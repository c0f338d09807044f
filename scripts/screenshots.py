"""Refresh README's screenshots from the shipped model: python scripts/screenshots.py [--out docs/screenshots]

Starts `streamlit run app.py` on the real model store, opens each page in headless Chromium, clicks once in the
latent explorer and uploads a digit, and saves one PNG per page.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from devtools.browser import PAGES, click_plane, served_app, upload, wait_idle  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from PIL import Image

    from vae_core.data import load_mnist
    from vae_core.store import models_root

    with served_app(models_root(), Path("/tmp/vae-screenshots-server.log")) as (url, _, browser):
        page = browser.new_page(viewport={"width": 1400, "height": 1250})
        page.set_default_timeout(600_000)
        for name, path in {**PAGES, "holes": "holes"}.items():
            start = time.perf_counter()
            page.goto(f"{url}/{path}")
            wait_idle(page, timeout=900)
            if name == "explorer":
                click_plane(page, 0.4, 0.35)
                wait_idle(page)
            if name == "projections":  # hover a dot of the t-SNE panel: its digit, ringed in every panel
                panels = "document.querySelector('.sp-root').scatterPanels"
                page.wait_for_function(f"() => !!{panels}?.canvases", timeout=60_000)
                page.mouse.move(*page.evaluate(f"() => {panels}.pagePoint(1, 40)"))
                time.sleep(0.5)
            if name == "reconstructions":
                digit = load_mnist().x_test[18, ..., 0]
                buffer = io.BytesIO()
                Image.fromarray((255 - digit * 255).astype("uint8")).resize((200, 200)).save(buffer, "PNG")
                upload(page, "my-digit.png", buffer.getvalue())
                page.set_viewport_size({"width": 1400, "height": 2300})
                wait_idle(page)
            page.screenshot(path=str(args.out / f"{name}.png"), full_page=False)
            page.set_viewport_size({"width": 1400, "height": 1250})
            print(f"{name}: {time.perf_counter() - start:.1f} s", flush=True)


if __name__ == "__main__":
    main()
