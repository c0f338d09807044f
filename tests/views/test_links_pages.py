"""A link opens its view: the whole app (app.py) started with a query string, as a fresh browser would open it.

The explorer gets its model and pinned z, the interpolation its endpoints; what the page shows is written back to
the URL; a digit the test set lacks and hostile query strings fall back to defaults with one warning, never an
exception, on every page.
"""

from __future__ import annotations

import random
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PROJECT
from ui.latent_plane import Z_KEYS

LINK_ICON = "🔗"
PAGES = ("explorer", "training", "projections", "reconstructions", "samples", "compare", "interpolation", "holes",
         "anomalies", "representations", "train")


def open_link(page: str, query: str) -> AppTest:
    """A fresh session opening /<page>?<query>."""
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=300)
    _ask(at, query)
    if page != "explorer":  # the default page
        at.switch_page(f"views/{page}.py")
    return _run(at)


def _ask(at: AppTest, query: str) -> None:
    at.query_params = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(query, keep_blank_values=True).items()}


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.proto.icon == LINK_ICON]


def test_a_link_opens_its_model_and_pinned_z(models_env, mnist):
    at = open_link("explorer", "model=tiny3&z=1.5,-0.5")
    assert at.sidebar.selectbox(key="model_name").value == "tiny3"
    pinned = at.session_state["latent_plane_state"].pinned
    assert pinned == pytest.approx([1.5, -0.5, 0.0])  # tiny3 has three dimensions; the third stays at 0
    assert link_warnings(at) == []
    assert at.query_params == {"model": "tiny3", "z": "1.5,-0.5"}  # the view shown is the link


def test_a_z_beyond_the_plane_is_refused_in_one_line(models_env, mnist):
    at = open_link("explorer", "model=tiny&z=900,1")
    assert at.session_state["latent_plane_state"].pinned == [0.0, 0.0]  # the default, not clipped to the edge
    (line,) = link_warnings(at)
    assert "z (outside this model's plane" in line


def test_the_explorer_writes_a_moved_z_and_model_back(models_env, mnist):
    at = open_link("explorer", "")
    assert at.query_params == {"model": "tiny", "z": "0,0"}
    at.slider(key=Z_KEYS[0]).set_value(1.25)
    _run(at)
    assert at.query_params["z"] == "1.25,0"
    at.sidebar.selectbox(key="model_name").set_value("tinyae")
    _run(at)
    assert at.query_params["model"] == "tinyae"


def test_a_link_opens_the_interpolation_endpoints(models_env, mnist):
    at = open_link("interpolation", "model=tiny&a=17&b=0.5,-1.2")
    assert at.radio(key="interp_A_source").value == "Test digit"
    assert at.number_input(key="interp_A_index").value == 17
    assert at.radio(key="interp_B_source").value == "Point on the plane"
    assert (at.number_input(key="interp_B_x").value, at.number_input(key="interp_B_y").value) == (0.5, -1.2)
    label = int(mnist.y_test[17])
    assert at.subheader[0].value == f"tiny: from test digit #17 (label {label}) to the point (0.50, -1.20)"
    assert link_warnings(at) == []
    assert at.query_params == {"model": "tiny", "a": "17", "b": "0.5,-1.2"}

    at.number_input(key="interp_A_index").set_value(3)  # a change goes back into the URL
    at.radio(key="interp_B_source").set_value("Test digit")
    _run(at)
    assert (at.query_params["a"], at.query_params["b"]) == ("3", "1")
    at.radio(key="interp_A_source").set_value("Your digit")  # an upload cannot travel in a link
    at.run()
    assert "a" not in at.query_params and at.query_params["b"] == "1"


def test_a_test_digit_the_set_lacks_is_refused_in_one_line(models_env, mnist):
    count = len(mnist.y_test)
    at = open_link("interpolation", f"a={count}&b=0.25,2")
    (line,) = link_warnings(at)
    assert f"a (there is no test digit #{count}; they are numbered 0 to {count - 1})" in line
    assert at.radio(key="interp_A_source").value == "Test digit"
    assert at.number_input(key="interp_A_index").value == 0  # the default
    assert at.number_input(key="interp_B_x").value == 0.25  # the good endpoint still applies
    assert at.query_params == {"model": "tiny", "a": "0", "b": "0.25,2"}


def test_the_page_refusal_and_the_links_own_share_one_line(models_env, mnist):
    at = open_link("interpolation", "model=nope&z=nan,0&a=99999&b=0.5,0.5")
    (line,) = link_warnings(at)
    assert line.startswith("Part of the link was ignored, the default shown instead:")
    assert "model (not a model in this app)" in line and "z (not 2 numbers" in line
    assert "a (there is no test digit #99999" in line
    assert at.sidebar.selectbox(key="model_name").value == "tiny"
    assert at.query_params == {"model": "tiny", "a": "0", "b": "0.5,0.5"}  # the refused parts left the URL


def test_another_pages_state_leaves_the_url_on_a_page_change(models_env, mnist):
    at = open_link("interpolation", "a=5&b=6")
    at.switch_page("views/explorer.py")
    _run(at)
    assert at.query_params == {"model": "tiny", "z": "0,0"}  # a copied link opens this view, not the last one
    at.switch_page("views/interpolation.py")
    _run(at)
    assert at.query_params == {"model": "tiny", "a": "0", "b": "1"}  # the page's widgets were reset on leaving it
    assert link_warnings(at) == []


HOSTILE = [
    "model=nope&z=nan,nan&dims=0,0&anchor=-5&models=tiny,nope&a=99999&b=1e400,0&seed=-1&n=0&idx="
    + ",".join(map(str, range(10_000))),
    "model=tiny&model=tiny3&z=1,2&z=3,4&a=1&a=2&seed=1&seed=2",
    "z=" + "1" * 100_000 + "&model=" + "x" * 100_000 + "&b=" + "9" * 5000,
    "model=%D9%A1&a=%D9%A1%D9%A7&b=%EF%BC%91%EF%BC%97&seed=%D9%A3&n=%D9%A5&idx=%D9%A0-%D9%A9&anchor=%EF%BC%91",
    "anchor=99999999999999999999999&seed=99999999999999999999&n=1e400&z=inf,-inf&dims=4096,0&a=-0&b=1e-400,0",
    "model=&z=&dims=&anchor=&models=&a=&b=&seed=&n=&idx=&embed=&%00=%00",
    "model=tiny%00&z=1%2C2%2C3&a=17%3Cscript%3E&b=%5Bx%5D(javascript:alert(1))&idx=**0-9**",
]
NASTY = "0123456789,-.eEnaifNI+ %_*[]()<>\x00\u200b١٧１"
NAMES = ("model", "z", "dims", "anchor", "models", "a", "b", "seed", "n", "idx")


def _random_query(rng: random.Random) -> str:
    from urllib.parse import urlencode

    pairs = [(rng.choice(NAMES), "".join(rng.choice(NASTY) for _ in range(rng.choice([0, 1, 3, 7, 20, 500]))))
             for _ in range(rng.randint(1, 8))]
    return urlencode(pairs)


TAKING = ("explorer", "interpolation", "samples", "compare", "reconstructions")  # the pages that read a link


@pytest.mark.parametrize("page", PAGES)
def test_hostile_query_strings_fall_back_with_at_most_one_line(models_env, mnist, page):
    """Every page gets the worst query; the pages that read link values get them all and a seeded fuzz."""
    rng = random.Random(PAGES.index(page))
    queries = HOSTILE + [_random_query(rng) for _ in range(3)] if page in TAKING else HOSTILE[:1]
    at = open_link(page, queries[0])
    assert len(link_warnings(at)) == 1
    for query in queries[1:]:  # the same session: each new query string arrives as a link would
        _ask(at, query)
        _run(at)
        assert len(link_warnings(at)) <= 1, (query[:200], link_warnings(at))
        assert at.sidebar.selectbox(key="model_name").value in ("tiny", "tiny3", "tinyae")
        assert all(len(v) < 500 for v in at.query_params.values() if isinstance(v, str))
