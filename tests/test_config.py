import dataclasses
import typing

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


@pytest.mark.parametrize("cls", [ModelConfig, TrainConfig])
def test_every_field_carries_its_option(cls):
    """Help for every field; numbers have a command-line range that holds the default; choices hold it too."""
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):
        meta = f.metadata
        assert meta["help"].strip(), f.name
        if meta["choices"]:
            assert f.default in meta["choices"], f.name
            dataclasses.replace(cls(), **{f.name: meta["choices"][-1]})  # every choice is a valid value
        elif hints[f.name] is not str:
            low, high = meta["bounds"]
            assert f.default is None or low <= f.default <= high, f.name
            assert high < 1e9 or f.name == "seed", f.name  # an upper bound that means something


def test_the_command_line_range_holds_only_valid_configs():
    """The ends of each range (lowest positive value for rates) build a config; a config field and its option
    cannot drift apart silently."""
    for cls in (ModelConfig, TrainConfig):
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if f.metadata["bounds"]:
                low, high = f.metadata["bounds"]
                cast = float if hints[f.name] is float else int
                for value in (cast(low) or (1e-9 if cast is float else 1), cast(high)):
                    dataclasses.replace(cls(), **{f.name: value})
