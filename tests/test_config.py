import dataclasses

import pytest

from vae_core.config import ModelConfig, TrainConfig, from_dict, to_dict


def test_defaults_are_the_reference_recipe():
    m, t = ModelConfig(), TrainConfig()
    assert (m.latent_dim, m.beta, m.reconstruction) == (2, 1.0, "bce")
    assert (t.learning_rate, t.batch_size, t.epochs) == (1e-3, 128, 100)
    assert (t.early_stopping_patience, t.early_stopping_min_delta) == (6, 1e-4)
    assert (t.reduce_lr_factor, t.reduce_lr_patience, t.min_lr) == (0.5, 3, 1e-6)


@pytest.mark.parametrize("change", [{"latent_dim": 0}, {"latent_dim": 65}, {"beta": -1.0}, {"reconstruction": "l1"}])
def test_bad_model_config_is_refused(change):
    with pytest.raises(ValueError):
        dataclasses.replace(ModelConfig(), **change)


def test_round_trip_through_dict_ignores_unknown_keys():
    m = ModelConfig(latent_dim=8, beta=4.0, reconstruction="mse", seed=3)
    assert from_dict(ModelConfig, {**to_dict(m), "future_field": 1}) == m
