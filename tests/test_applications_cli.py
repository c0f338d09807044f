"""The applications' commands (anomaly, represent, compress): bounds checked first, JSON equal to the library's."""

import json

import pytest

from tests.test_cli import _one_line_error, cli


@pytest.mark.parametrize("args,expected", [
    (["anomaly", "--n", "5"], "must be from 10 to 10,000"),
    (["anomaly", "--k", "201"], "must be from 1 to 200"),
    (["represent", "--test-digits", "99"], "must be from 100 to 10,000"),
    (["compress", "--model", "missing"], "No model named 'missing'"),
])
def test_bad_arguments_are_one_line(store_root, args, expected):
    assert expected in _one_line_error(cli(*args, env_root=store_root))


def test_anomaly_prints_the_librarys_aucs(store_root, tiny, mnist, fashion):
    from vae_core import anomaly

    result = cli("anomaly", "--model", "tiny", "--n", "30", "--k", "2", env_root=store_root, check=True)
    printed = json.loads(result.stdout)
    scores = {name: anomaly.score_images(tiny, anomaly.set_images(name, 30, mnist.x_test, fashion), k=2)
              for name in anomaly.SETS}  # computed here, not read from the cache the command wrote
    expected = anomaly.aucs(scores)
    assert set(printed["auc"]) == set(expected) == {"negative_elbo", "iwae_bound", "reconstruction"}
    for score, row in expected.items():
        assert printed["auc"][score] == pytest.approx(row, abs=1e-9)
