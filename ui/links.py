"""Every view is a link: the state a visitor would share lives in the URL's query string, read and checked here.

A page reads what a link asks for with `take(name)` (a value arrives once, when the URL changed to carry it) and
writes its current state back with `share(name=value, ...)`. `arrive` reads the URL on each full run, before the
page: it checks every parameter's size and form, and anything malformed or hostile (NaN, an unknown model, a
100 kB value, 10,000 indices, a key given twice) is dropped from the URL with one line on the page, never an
exception. Checks that need the model (its latent size, the test set's length) are the page's, which reports a
failure with `reject`; it joins the same line, so a link gives at most one warning.

The browser clears the query string when the visitor switches pages (only widget-bound and embed parameters
survive), so the sidebar and each page share their state on every run. Where a page change keeps it (AppTest,
`st.switch_page` with parameters) `arrive` removes what this session wrote for the previous page, so the URL
never carries another page's state.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import streamlit as st
from streamlit.components.v2 import component
from streamlit.runtime.scriptrunner import get_script_run_ctx

from .indices import MAX_TEXT, parse_indices

MAX_VALUE = MAX_TEXT  # characters in one value (the longest is an index list)
MAX_MODELS = 6  # the comparison's limit
EVERY_PAGE = ("model",)  # shared by the sidebar on every page, so a page change keeps it
_SEEN = "links_seen"  # {name: [values]}: this app's parameters as this session last saw or wrote them
_WROTE = "links_wrote"  # the names whose current URL value this session wrote itself
_PAGE = "links_page"  # the page of the last full run
_PENDING = "links_pending"  # this run's checked values that the URL newly asks for
_NOTICE = "links_notice"  # this full run's one warning: [slot, problems]
# ASCII digits only: str.isdigit and int() also accept '١٧' or '１７', which no link of this app writes
_NUMBER = re.compile(r"-?[0-9]{1,6}(\.[0-9]{1,12})?([eE]-?[0-9]{1,2})?")
_INTEGER = re.compile(r"-?[0-9]{1,10}")
_INDICES = re.compile(r"[0-9, -]+")


def _floats(text: str, count: int, bound: float) -> tuple[float, ...]:
    parts = text.split(",", count)  # never more than count + 1 pieces, however many commas
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
    parts = text.split(",", 2)
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
    if not _INDICES.fullmatch(text):
        raise ValueError("not indices and ranges such as 0-9,17")
    try:
        parse_indices(text, 10**6)  # the form and the count; the page checks the range against its test set
    except ValueError as exc:
        raise ValueError(str(exc).split(":")[0]) from None  # without the part it quotes: nothing echoed
    return text


def _model(names: list[str]) -> Callable[[str], str]:
    def check(text: str) -> str:
        if text not in names:
            raise ValueError("not a model in this app")
        return text
    return check


def _models(names: list[str]) -> Callable[[str], list[str]]:
    def check(text: str) -> list[str]:
        chosen = list(dict.fromkeys(text.split(",", MAX_MODELS)))
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


def parse(query: Mapping[str, list[str]], names: list[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """({name: checked value}, {name: why it was dropped}) of a query string's parameters (each a list of values).

    Names that are not this app's are left alone (Streamlit's embed options, a tracker's tags). A name given more
    than once, or a value over MAX_VALUE characters, is dropped before any parsing, as is anything its parser
    refuses. The reasons are fixed phrases: nothing from the URL is echoed onto the page."""
    checks = parsers(names)
    values, problems = {}, {}
    for name, given in query.items():
        if name not in checks:
            continue
        if len(given) != 1:
            problems[name] = f"given {len(given)} times"
        elif len(given[0]) > MAX_VALUE:
            problems[name] = f"longer than {MAX_VALUE} characters"
        else:
            try:
                values[name] = checks[name](given[0])
            except ValueError as exc:
                problems[name] = str(exc)
    return values, problems


def full_run() -> bool:
    """Whether this is a run of the whole page, not only of a fragment (a fragment's run takes no link)."""
    ctx = get_script_run_ctx()
    return ctx is None or not ctx.fragment_ids_this_run


def _say(problems: Mapping[str, str]) -> None:
    """One warning per full run: a later problem of the same run rewrites it with all of them."""
    notice = st.session_state.get(_NOTICE) if full_run() else None
    if notice is None:
        notice = [st.empty(), {}]
        if full_run():
            st.session_state[_NOTICE] = notice
    notice[1].update(problems)
    reasons = "; ".join(f"{name} ({why})" for name, why in notice[1].items())
    notice[0].warning(f"Part of the link was ignored, the default shown instead: {reasons}.", icon="🔗")


def arrive(names: list[str]) -> None:
    """Read the URL at the start of a full run: the parameters it newly carries become this run's `take`s, and
    those it carries but cannot use are removed from it with one line on the page."""
    state, checks = st.session_state, parsers(names)
    state[_NOTICE] = None
    ctx = get_script_run_ctx()
    page = ctx.page_script_hash if ctx is not None else None
    seen, wrote = state.get(_SEEN) or {}, state.get(_WROTE) or set()
    query = {name: st.query_params.get_all(name) for name in st.query_params if name in checks}
    if state.get(_PAGE, page) != page:  # another page's state, kept by this page change: not the view shown now
        for name in [n for n in query if n in wrote and n not in EVERY_PAGE and seen.get(n) == query[n]]:
            del st.query_params[name]
            del query[name]
    state[_PAGE] = page
    new = {name: given for name, given in query.items() if seen.get(name) != given}
    state[_PENDING], problems = parse(new, names)
    for name in problems:
        del st.query_params[name]
        del query[name]
    state[_SEEN], state[_WROTE] = query, {n for n in wrote if n in query and n not in new}
    if problems:
        _say(problems)


def take(name: str) -> Any | None:
    """The checked value the URL newly asks for under `name`, once per arrival; None when there is none (and in a
    fragment's own run, which does not read the URL)."""
    if not full_run():
        return None
    return (st.session_state.get(_PENDING) or {}).pop(name, None)


def reject(name: str, why: str) -> None:
    """A value `take` gave that does not fit this page (e.g. a dimension the model lacks): it joins this run's one
    line, and the page shows its default."""
    _say({name: why})


def share(**values: str | None) -> None:
    """Put the view's state in the URL (None removes a parameter); unchanged values send nothing."""
    seen = st.session_state.setdefault(_SEEN, {})
    wrote = st.session_state.setdefault(_WROTE, set())
    for name, value in values.items():
        if value is None:
            if name in st.query_params:
                del st.query_params[name]
            seen.pop(name, None)
            wrote.discard(name)
        else:
            if st.query_params.get_all(name) != [value]:
                st.query_params[name] = value
            seen[name] = [value]
            wrote.add(name)


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
