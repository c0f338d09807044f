"""ui.links.parse: every parameter a link may carry, good and bad, and a seeded fuzz over nasty alphabets showing
that it never raises and returns only values a page can use."""

from __future__ import annotations

import math
import random

import pytest

from ui.links import MAX_MODELS, MAX_VALUE, number, parse

NAMES = ["default", "tiny", "tiny3", "latent16-lowbeta"]
OURS = ("model", "z", "dims", "anchor", "models", "a", "b", "seed", "n", "idx")


def one(name: str, text: str):
    """parse() of a query holding only name=text: (value, None) or (None, why)."""
    values, problems = parse({name: [text]}, NAMES)
    assert set(values) | set(problems) == {name} and not set(values) & set(problems)
    return values.get(name), problems.get(name)


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("model", "tiny3", "tiny3"),
    ("model", "latent16-lowbeta", "latent16-lowbeta"),
    ("z", "1.5,-0.5", (1.5, -0.5)),
    ("z", "0,0", (0.0, 0.0)),
    ("z", "-1000,1000", (-1000.0, 1000.0)),
    ("z", "2.5e-3,-1E2", (0.0025, -100.0)),
    ("dims", "0,2", (0, 2)),
    ("dims", "15,3", (15, 3)),
    ("anchor", "-1", -1),
    ("anchor", "9999", 9999),
    ("models", "tiny,tiny3", ["tiny", "tiny3"]),
    ("models", "tiny3,tiny,tiny3", ["tiny3", "tiny"]),  # repeats collapse, order kept
    ("a", "17", ("digit", 17)),
    ("a", "0", ("digit", 0)),
    ("b", "0.5,-1.2", ("point", (0.5, -1.2))),
    ("b", "-10,10", ("point", (-10.0, 10.0))),
    ("seed", "0", 0),
    ("seed", "2147483647", 2**31 - 1),
    ("n", "1", 1),
    ("n", "100", 100),
    ("idx", "0-9,17", "0-9,17"),
    ("idx", "3, 5, 8", "3, 5, 8"),
])
def test_each_parameter_reads_its_good_values(name, text, expected):
    assert one(name, text) == (expected, None)


TOO_LONG = "1" * 100_000
UNICODE_DIGITS = ["١٧", "１７", "²", "۳", "߁", "𝟙𝟟"]  # Arabic-Indic, full-width, superscript, Persian, NKo, maths


@pytest.mark.parametrize(("name", "text"), [
    *[("model", t) for t in ("", "nope", "Tiny", "tiny ", "tiny,tiny3", "../tiny", "_classifier", TOO_LONG)],
    *[("z", t) for t in ("", "1", "1,2,3", "nan,0", "0,NaN", "inf,0", "-inf,0", "1e400,0", "0,1e99", "1001,0",
                         "0x10,0", "1_0,0", ".5,0", "1.,0", "+1,0", "1,,2", " 1,2", "1,2 ", "1;2", "١,٢",
                         "1" * 300 + ",0", "0," + TOO_LONG)],
    *[("dims", t) for t in ("", "0", "1,1", "0,1,2", "-1,0", "0,4096", "a,b", "99999999999999999999,0", "١,٢")],
    *[("anchor", t) for t in ("", "-2", "1000001", "1.5", "9" * 400, "١٧", "0x1", "nan")],
    *[("models", t) for t in ("", "tiny,nope", ",".join(["tiny"] * 7 + ["tiny3"]),
                              ",".join(NAMES + ["a", "b", "c"]), "tiny,", TOO_LONG)],
    *[(side, t) for side in ("a", "b")
      for t in ("", "-1", "1000001", "99999999999999999999", "nan", "inf", "1e400", "17.5", "0.5", "11,0",
                "0,-10.5", "nan,0", "1,2,3", "１７", "+17", "0x11")],
    *[("seed", t) for t in ("", "-1", "2147483648", "9" * 10_000, "1e3", "٣", " 7")],
    *[("n", t) for t in ("", "0", "101", "-5", "2.0", "٥")],
    *[("idx", t) for t in ("", ",", "a", "5-3", "-3", "0-99999999", ",".join(map(str, range(10_000))),
                           "0-49,50", "١٧", "0-９", "1e3", TOO_LONG)],
])
def test_each_parameter_refuses_bad_values_with_a_reason(name, text):
    value, why = one(name, text)
    assert value is None
    assert isinstance(why, str) and why and len(why) < 80


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("text", UNICODE_DIGITS)
def test_unicode_digits_are_not_numbers(name, text):
    assert one(name, text)[0] is None


@pytest.mark.parametrize("name", OURS)
def test_an_over_long_value_is_refused_by_its_length(name):
    assert one(name, "0" * (MAX_VALUE + 1)) == (None, f"longer than {MAX_VALUE} characters")


@pytest.mark.parametrize("name", OURS)
def test_a_key_given_twice_is_dropped_even_when_each_value_is_good(name):
    good = {"model": "tiny", "z": "0,0", "dims": "0,1", "anchor": "3", "models": "tiny", "a": "1", "b": "2",
            "seed": "4", "n": "5", "idx": "1,2"}[name]
    values, problems = parse({name: [good, good]}, NAMES)
    assert values == {} and problems == {name: "given 2 times"}


def test_other_names_are_left_alone_and_the_good_ones_kept():
    values, problems = parse({"model": ["tiny3"], "z": ["nan,0"], "embed": ["true"], "utm_source": [TOO_LONG],
                              "x" * 5000: ["1"], "Model": ["nope"]}, NAMES)
    assert values == {"model": "tiny3"}
    assert list(problems) == ["z"]


def test_ten_thousand_parameters_cost_nothing_and_break_nothing():
    query = {f"p{i}": [str(i)] for i in range(10_000)} | {"seed": ["7"]}
    assert parse(query, NAMES) == ({"seed": 7}, {})


@pytest.mark.parametrize(("value", "text"), [
    (0.0, "0"), (-0.0, "0"), (1.5, "1.5"), (-0.5, "-0.5"), (2.0, "2"), (0.123456, "0.1235"), (-0.00004, "0"),
    (3.14159, "3.1416"), (-12.25, "-12.25"),
])
def test_number_writes_what_parse_reads_back(value, text):
    assert number(value) == text
    assert one("z", f"{text},{text}")[0] == (float(text), float(text))


# The fuzz: random values from alphabets that break naive parsers, checked by a validator written apart from parse.
ALPHABETS = [
    "0123456789", "0123456789,", "0123456789,-.eE", "0123456789,-.eE+ _x", "".join(UNICODE_DIGITS) + "0123456789,",
    "nainfNaNINF,-.0123456789", "\x00\t\n\r %&=?#;,\u200b\u202e\ufeff", "tiny3,default-lowbeta_.", "\ud7ff\ue000😀",
]


def _nasty(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.1:
        return rng.choice(["nan", "inf", "-inf", "1e400", "-1e400", "1" * 5000, "9" * 30, "nan,nan", "inf,0",
                           "1e400,0", ",".join(map(str, range(10_000))), "0-99999999", "١٧", "１７,２"])
    if kind < 0.2:
        return rng.choice(NAMES) + rng.choice(["", ",", ",tiny", " ", ",tiny3,tiny"])
    alphabet = rng.choice(ALPHABETS)
    return "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 13, 40, 401, 3000])))


def _valid(name: str, value) -> bool:
    def finite(v, bound):
        return type(v) is float and math.isfinite(v) and abs(v) <= bound

    def whole(v, lo, hi):
        return type(v) is int and lo <= v <= hi

    if name == "model":
        return value in NAMES
    if name == "z":
        return isinstance(value, tuple) and len(value) == 2 and all(finite(v, 1000.0) for v in value)
    if name == "dims":
        return (isinstance(value, tuple) and len(value) == 2 and value[0] != value[1]
                and all(whole(v, 0, 4095) for v in value))
    if name == "anchor":
        return whole(value, -1, 10**6)
    if name == "models":
        return (isinstance(value, list) and 1 <= len(value) <= MAX_MODELS and len(set(value)) == len(value)
                and all(v in NAMES for v in value))
    if name in ("a", "b"):
        kind, v = value
        return (kind == "digit" and whole(v, 0, 10**6)) or (
            kind == "point" and isinstance(v, tuple) and len(v) == 2 and all(finite(c, 10.0) for c in v))
    if name == "seed":
        return whole(value, 0, 2**31 - 1)
    if name == "n":
        return whole(value, 1, 100)
    if name == "idx":
        return isinstance(value, str) and set(value) <= set("0123456789, -") and len(value) <= MAX_VALUE
    return False


def test_fuzz_parse_never_raises_and_returns_only_valid_values():
    rng = random.Random(19)
    accepted, reasons = 0, set()
    for _ in range(3000):
        query = {}
        for _ in range(rng.randint(0, 6)):
            name = rng.choice(OURS + ("embed", "", "z ", "ａ", "x" * 300))
            query[name] = [_nasty(rng) for _ in range(rng.choice([1, 1, 1, 1, 2, 3]))]
        values, problems = parse(query, NAMES)
        ours = {n for n in query if n in OURS}
        assert set(values) | set(problems) == ours and not set(values) & set(problems)
        for name, value in values.items():
            assert _valid(name, value), (name, query[name][0][:60], value)
        accepted += len(values)
        reasons.update(problems.values())
    assert accepted > 50  # the fuzz also reached the accepting paths, not only the refusals
    assert len(reasons) < 20  # fixed phrases: 3,000 random queries never put their own text on the page
