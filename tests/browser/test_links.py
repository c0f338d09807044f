"""Every view is a link, in headless Chromium: the URL after a click on the plane, opened in a new browser context
(no cookies, no session), shows the same model and the same pinned z; the copy-link button hands over that URL."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from devtools.browser import PLANE_READY_JS, click_plane, shown_z
from tests.browser.conftest import no_errors, wait_idle

pytestmark = pytest.mark.browser
SIDEBAR_MODEL = "[data-testid=stSidebar] [data-testid=stSelectbox]"
COPY = "Copy link to this view"


def _ready(page) -> None:
    page.wait_for_function(PLANE_READY_JS, timeout=120_000)
    wait_idle(page, quiet=0.6)
    no_errors(page)


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def _url_settles(page, name: str, value: str | None = None) -> str:
    """page.url once the server's last write of `name` to the query string reached it."""
    page.wait_for_function("([name, value]) => { const v = new URLSearchParams(location.search).get(name);"
                           " return value === null ? v !== null : v === value; }", arg=[name, value])
    return page.url


def test_a_clicked_pin_opens_the_same_view_in_a_new_browser(server, browser, page):
    url, _, _ = server
    page.goto(url)
    _ready(page)
    assert _query(_url_settles(page, "z")) == {"model": ["tiny"], "z": ["0,0"]}
    page.locator(SIDEBAR_MODEL).first.click()
    page.get_by_role("option", name="tiny3").click()
    page.wait_for_function("() => document.querySelector('.lp-root')?.latentPlane?.decoder?.latentDim === 3",
                           timeout=120_000)
    _ready(page)
    click_plane(page, 0.3, 0.35)
    wait_idle(page, quiet=0.6)
    pinned = shown_z(page)
    assert pinned[:2] != [0.0, 0.0]
    _url_settles(page, "model", "tiny3")
    page.wait_for_function("() => new URLSearchParams(location.search).get('z') !== '0,0'")
    link = page.url
    z = [float(v) for v in _query(link)["z"][0].split(",")]
    assert z == pytest.approx(pinned[:2], abs=0.006)  # the URL holds the pinned z (4 decimals; the page shows 2)

    fresh = browser.new_context(viewport={"width": 1400, "height": 1600})
    try:
        other = fresh.new_page()
        other.set_default_timeout(120_000)
        other.goto(link)
        _ready(other)
        assert other.get_by_role("combobox", name="Model").input_value() == "tiny3"
        # z1, z2 from the link (rounded to 4 decimals there), z3 at its default 0 as in the first browser
        assert shown_z(other) == pytest.approx(pinned, abs=0.0101)
        assert other.locator("[data-testid=stAlert]", has_text="Part of the link was ignored").count() == 0
        assert _query(other.url) == _query(link)  # the view shown writes back the same link
    finally:
        fresh.close()


def test_the_copy_button_puts_the_link_on_the_clipboard(server, browser):
    url, _, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1600},
                                  permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(f"{url}/interpolation?a=17&b=0.5,-1.2")
        wait_idle(page)
        no_errors(page)
        _url_settles(page, "model")
        page.get_by_role("button", name=COPY).click()
        page.get_by_role("button", name="Link copied").wait_for()
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.url
        assert _query(copied) == {"a": ["17"], "b": ["0.5,-1.2"], "model": ["tiny"]}
    finally:
        context.close()


def test_where_the_clipboard_is_refused_the_link_is_shown_to_copy(server, browser):
    url, _, _ = server
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    # a page served over plain http to another machine has no clipboard: writeText rejects
    context.add_init_script("Object.defineProperty(navigator, 'clipboard', {value: {writeText: () =>"
                            " Promise.reject(new Error('refused'))}});")
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)
        page.goto(url)
        _ready(page)
        link = _url_settles(page, "z")
        field = page.locator(".copy-link input")
        assert not field.is_visible()
        page.get_by_role("button", name=COPY).click()
        field.wait_for(state="visible")
        assert field.input_value() == link
        assert page.get_by_role("button", name="Copy the selected link").is_visible()
    finally:
        context.close()


def test_after_a_page_change_the_url_is_the_new_pages_view(server, page):
    """The browser drops the query string on a page change; the sidebar and the new page write theirs back."""
    url, _, _ = server
    page.goto(f"{url}/?z=1.5,-0.5")
    _ready(page)
    assert _query(_url_settles(page, "model")) == {"model": ["tiny"], "z": ["1.5,-0.5"]}
    page.locator("[data-testid=stSidebarNav] a", has_text="Interpolation").click()
    wait_idle(page)
    no_errors(page)
    _url_settles(page, "b")
    assert urlsplit(page.url).path == "/interpolation"
    assert _query(page.url) == {"model": ["tiny"], "a": ["0"], "b": ["1"]}
