"""What the explorer accepts as a pin from the browser: the component sends {"z": [x, y], "digit": index or null};
anything else (a forged message) is ignored rather than reaching the sliders or the test set."""

import pytest

from ui.latent_plane import pin_values


def test_a_click_and_a_dot_click():
    assert pin_values({"z": [0.5, -1.25], "digit": None}) == (0.5, -1.25, None)
    assert pin_values({"z": [0, 2], "digit": 17}) == (0.0, 2.0, 17)
    assert pin_values({"z": [1e6, -1e6]}) == (1e6, -1e6, None)  # finite: the plane clips it to its range


@pytest.mark.parametrize("pin", [
    None, [], "z", {"z": None}, {"z": [1.0]}, {"z": [1.0, 2.0, 3.0]}, {"z": ["1", 2.0]}, {"z": [float("nan"), 0.0]},
    {"z": [0.0, float("inf")]}, {"z": [True, 0.0]}, {"z": {"0": 1, "1": 2}},
    {"z": [0.0, 0.0], "digit": -1}, {"z": [0.0, 0.0], "digit": 1.5}, {"z": [0.0, 0.0], "digit": "3"},
    {"z": [0.0, 0.0], "digit": True},
])
def test_anything_else_is_not_a_pin(pin):
    assert pin_values(pin) is None
