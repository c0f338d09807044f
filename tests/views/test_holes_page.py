"""The prior-holes page: its figures against a direct computation of the aggregate posterior's density."""

import re

import numpy as np
from scipy.special import logsumexp

from tests.views.conftest import open_page


def test_holes_page_median_density_of_the_draws_matches_a_direct_computation(app, tiny, mnist):
    from vae_core.generate import sample_prior

    open_page(app, "holes")
    text = next(m.value for m in app.markdown if "median log q(z)" in m.value)
    shown = float(re.search(r"the N\(0, I\) draws have a median of \*\*(-?[\d.]+)\*\*", text).group(1))
    mean, log_var = tiny.fast.encode(mnist.x_test)
    z, _ = sample_prior(tiny.fast, 40, 0)  # the page's defaults: 40 draws, seed 0
    var = np.exp(log_var.astype(np.float64))
    # log of (1/N) Σ_i Π_d N(z_d; μ_id, σ²_id), written out per component
    per = -0.5 * (np.log(2 * np.pi * var)[None] + (z[:, None, :] - mean[None]) ** 2 / var[None]).sum(-1)
    direct = logsumexp(per, axis=1) - np.log(len(mean))
    assert shown == round(float(np.median(direct)), 1)
    assert app.get("plotly_chart")  # the density map


def test_holes_page_explains_why_an_autoencoder_has_none(app):
    app.sidebar.selectbox[0].set_value("tinyae")
    app.run()
    open_page(app, "holes")
    assert any("autoencoder" in i.value for i in app.info)
