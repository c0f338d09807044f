"""Where the projections page's figure gets plotly.js: the server's static/ copy only when it is the installed
package's own file."""

import plotly.graph_objects as go

from ui import hover_images


def _url(monkeypatch, path):
    monkeypatch.setattr(hover_images, "PLOTLY_JS", path)
    hover_images.plotly_js_url.cache_clear()
    try:
        return hover_images.plotly_js_url()
    finally:
        hover_images.plotly_js_url.cache_clear()


def test_the_static_copy_is_used_only_when_it_is_the_packages_file(monkeypatch, tmp_path):
    copy = tmp_path / "plotly.min.js"
    assert _url(monkeypatch, copy) is None  # missing: inline
    copy.write_bytes(hover_images._package_plotly_js().read_bytes())
    assert _url(monkeypatch, copy) == "/app/static/plotly.min.js"
    copy.write_bytes(copy.read_bytes()[:-1] + b" ")  # another version, same size
    assert _url(monkeypatch, copy) is None


def test_the_figure_html_references_or_inlines_it(monkeypatch):
    fig = go.Figure(go.Scatter(x=[0, 1], y=[0, 1]))
    monkeypatch.setattr(hover_images, "plotly_js_url", lambda: "/app/static/plotly.min.js")
    html = fig.to_html(include_plotlyjs=hover_images.plotly_js_url() or True)
    assert 'src="/app/static/plotly.min.js"' in html and len(html) < 100_000
