"""Every view is a link: the state a visitor would share lives in the URL's query string, read and checked here.

A page reads what a link asks for with `take(name)` (a value arrives once, when the URL changed to carry it) and
writes its current state back with `share(name=value, ...)`. `arrive` reads the URL on each full run, before the
page: it checks every parameter's size and form, and anything malformed or hostile (NaN, an unknown model, a
100 kB value, 10,000 indices) is dropped with one line on the page, never an exception. Checks that need the model
(its latent size, the test set's length) are the page's, which reports a failure with `reject`.

Streamlit clears the query string when the visitor switches pages, so each page shares its state on every run.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
from streamlit.components.v2 import component

from .indices import MAX_TEXT, parse_indices

MAX_QUERY = 2000  # characters in the whole query string: a link of this app needs a few hundred
MAX_VALUE = MAX_TEXT  # characters in one value (the longest is an index list)
MAX_MODELS = 6  # the comparison's limit
_SEEN = "links_seen"  # {name: [values]}: the query string as this session last saw or wrote it
_PENDING = "links_pending"  # this run's checked values that the URL newly asks for
_NUMBER = re.compile(r"-?\d{1,6}(\.\d{1,12})?([eE]-?\d{1,2})?", re.ASCII)
_INTEGER = re.compile(r"-?\d{1,10}", re.ASCII)


def _floats(text: str, count: int, bound: float) -> tuple[float, ...]:
    parts = text.split(",")
    if len(parts) != count or not all(_NUMBER.fullmatch(p) for p in parts):
        raise ValueError(f"not {count} numbers separated by commas")
    values = tuple(float(p) for p in parts)
    if not all(math.isfinite(v) and abs(v) <= bound for v in values):
        raise ValueError(f"a number outside ±{bound:g}")
    return values


def _int(text: str, lo: int, hi: int) -> int:
    if not _INTEGER.fullmatch(text) or not lo <= int(text) <= hi:
        raise ValueError(f"not a whole number from {lo} to {hi}")
    return int(text)


def _dims(text: str) -> tuple[int, int]:
    parts = text.split(",")
    if len(parts) != 2:
        raise ValueError("not two dimensions separated by a comma")
    dims = (_int(parts[0], 0, 4095), _int(parts[1], 0, 4095))
    if dims[0] == dims[1]:
        raise ValueError("the same dimension twice")
    return dims


def _endpoint(text: str) -> tuple[str, Any]:
    """'17' -> ("digit", 17); '0.5,-1.2' -> ("point", (0.5, -1.2)): a test digit or a point on the plane."""
    if "," in text:
        return "point", _floats(text, 2, 10.0)  # the page's number inputs cover ±10
    return "digit", _int(text, 0, 10**6)


def _indices(text: str) -> str:
    parse_indices(text, 10**6)  # the form and the count; the page checks the range against its test set
    return text


def _model(names: list[str]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in names:
            raise ValueError("not a model in this app")
        return text
    return check


def _models(names: list[str]) -> Callable[[str], list[str]]:
    def check(text: str) -> list[str]:
        chosen = list(dict.fromkeys(text.split(",")))
        if len(chosen) > MAX_MODELS or any(n not in names for n in chosen):
            raise ValueError(f"not up to {MAX_MODELS} models of this app")
        return chosen
    return check


def parsers(names: list[str]) -> dict[str, Callable[[str], Any]]:
    """Each parameter a link may carry, with the check that turns its text into a value (or raises ValueError)."""
    return {
        "model": _model(names),                           # the sidebar's model
        "z": lambda t: _floats(t, 2, 1000.0),              # the explorer's pinned z on the shown dimensions
        "dims": _dims,                                     # the explorer's two dimensions (latent_dim > 2)
        "anchor": lambda t: _int(t, -1, 10**6),            # the test digit that holds the other dimensions
        "models": _models(names),                          # the comparison's models
        "a": _endpoint, "b": _endpoint,                    # the interpolation's endpoints
        "seed": lambda t: _int(t, 0, 2**31 - 1), "n": lambda t: _int(t, 1, 100),  # the random samples
        "idx": _indices,                                   # the reconstructions' test digits
    }


def parse(query: Mapping[str, list[str]], names: list[str]) -> tuple[dict[str, Any], list[str]]:
    """({name: checked value}, one "name (why)" per parameter dropped) of a query string's parameters.

    Unknown names are left alone (they are not this app's); a name given twice, a value over MAX_VALUE characters
    or a whole query over MAX_QUERY characters is dropped, as is anything its parser refuses."""
    if sum(len(k) + sum(len(v) + 1 for v in values) + 1 for k, values in query.items()) > MAX_QUERY:
        return {}, [f"the whole query (longer than {MAX_QUERY:,} characters)"]
    checks = parsers(names)
    values, problems = {}, []
    for name, given in query.items():
        if name not in checks:
            continue
        if len(given) != 1:
            problems.append(f"{name} (given {len(given)} times)")
        elif len(given[0]) > MAX_VALUE:
            problems.append(f"{name} (longer than {MAX_VALUE} characters)")
        else:
            try:
                values[name] = checks[name](given[0])
            except ValueError as exc:
                problems.append(f"{name} ({exc})")
    return values, problems


def _say(problems: list[str]) -> None:
    st.warning(f"Part of the link was ignored, the default shown instead: {'; '.join(problems)}.", icon="🔗")


def arrive(names: list[str]) -> None:
    """Read the URL at the start of a full run: the parameters it newly carries become this run's `take`s."""
    state = st.session_state
    query = {name: st.query_params.get_all(name) for name in st.query_params}
    seen = state.get(_SEEN) or {}
    new = {name: given for name, given in query.items() if seen.get(name) != given}
    state[_SEEN] = query
    state[_PENDING], problems = parse(new, names)
    if problems:
        _say(problems)


def take(name: str) -> Any | None:
    """The checked value the URL newly asks for under `name`, once per arrival; None when there is none."""
    return (st.session_state.get(_PENDING) or {}).pop(name, None)


def reject(name: str, why: str) -> None:
    """A value `take` gave that does not fit this page (e.g. a dimension the model lacks): one line, then defaults."""
    _say([f"{name} ({why})"])


def share(**values: str | None) -> None:
    """Put the view's state in the URL (None removes a parameter); unchanged values send nothing."""
    seen = st.session_state.setdefault(_SEEN, {})
    for name, value in values.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
            seen.pop(name, None)
        elif st.query_params.get_all(name) != [value]:
            st.query_params[name] = value
            seen[name] = [value]


def number(value: float) -> str:
    """A coordinate as the URL carries it: four decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


_COPY_HTML = """<div class="copy-link"><button type="button">Copy link to this view</button>
<input type="text" readonly hidden aria-label="link to this view"></div>"""
_COPY_CSS = """
.copy-link button { font: inherit; padding: 4px 12px; border-radius: 8px; cursor: pointer;
  border: 1px solid rgba(128, 128, 128, 0.5); background: transparent; color: inherit; }
.copy-link input { display: block; width: 100%; margin-top: 6px; font: 12px monospace; }
.copy-link input[hidden] { display: none; }
"""
# The browser's own address, read at the click: a pin in a fragment updates it without rerunning the sidebar.
# Where the clipboard is refused (plain http off localhost), the link is shown selected to copy by hand.
_COPY_JS = """
export default function ({ parentElement }) {
  const button = parentElement.querySelector(".copy-link button");
  const field = parentElement.querySelector(".copy-link input");
  button.onclick = async () => {
    field.value = window.location.href;
    try {
      await navigator.clipboard.writeText(field.value);
      button.textContent = "Link copied";
    } catch (error) {
      field.hidden = false;
      field.select();
      button.textContent = "Copy the selected link";
    }
    setTimeout(() => { button.textContent = "Copy link to this view"; }, 2000);
  };
}
"""
_copy = component("vae_explorer.copy_link", html=_COPY_HTML, css=_COPY_CSS, js=_COPY_JS)


def copy_link() -> None:
    """A "Copy link to this view" button: the URL as the browser shows it, to the clipboard."""
    _copy(key="copy_link")
