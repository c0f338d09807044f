"""The Training page's loss chart: traces per panel, the best-epoch star and the learning-rate drops."""

from ui.charts import loss_curves


def test_lr_drops_are_dashed_lines_across_every_panel():
    history = {"loss": [5.0, 4.0, 3.5, 3.4, 3.3], "val_loss": [5.5, 4.5, 3.9, 3.95, 3.8],
               "reconstruction_loss": [4, 3, 3, 3, 3], "val_reconstruction_loss": [4, 3, 3, 3, 3],
               "kl_loss": [1, 1, 0.5, 0.4, 0.3], "val_kl_loss": [1, 1, 0.5, 0.4, 0.3],
               "learning_rate": [1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4]}  # lowered at the end of epochs 3 and 5
    fig = loss_curves(history, window=1)
    lines = sorted((s.x0, s.xref, s.yref) for s in fig.layout.shapes)
    assert lines == [(epoch, f"x{n}", f"y{n} domain") for epoch in (3, 5) for n in ("", "2", "3")]
    assert all(s.x0 == s.x1 and (s.y0, s.y1) == (0, 1) and s.line.dash == "dash" for s in fig.layout.shapes)
    (star,) = [t for t in fig.data if t.name.startswith("best epoch")]
    assert star.name == "best epoch 5" and list(star.y) == [3.8]
    assert loss_curves({**history, "learning_rate": [1e-3] * 5}, window=1).layout.shapes == ()
