"""Typed query parameters: coercion from the command line and clean errors."""

from __future__ import annotations

from typing import Any

import pytest

from graphinv.errors import ParameterError, UsageError
from graphinv.querylib.params import (
    MAX_ITEMS,
    MAX_STRING,
    ParamSpec,
    bind_params,
    parse_assignments,
)

SPECS = [
    ParamSpec("shop", "str", help="Shop key"),
    ParamSpec("hops", "int", default=2, minimum=1, maximum=4),
    ParamSpec("ratio", "float", default=0.5, minimum=0.0, maximum=1.0),
    ParamSpec("strict", "bool", default=False),
    ParamSpec("keys", "list[str]", default=[]),
    ParamSpec("note", "str", default=None),
]


def test_defaults_fill_in_and_text_is_coerced() -> None:
    assert bind_params(SPECS, {"shop": "taobao:tb-1001"}) == {
        "shop": "taobao:tb-1001", "hops": 2, "ratio": 0.5, "strict": False, "keys": [],
        "note": None}
    got = bind_params(SPECS, {"shop": "x", "hops": " 3 ", "ratio": "1", "strict": "YES",
                              "keys": '["a", "b,c"]', "note": "n"}, from_text=True)
    assert got == {"shop": "x", "hops": 3, "ratio": 1.0, "strict": True, "keys": ["a", "b,c"],
                   "note": "n"}


def test_list_params_from_commas_or_repeats() -> None:
    assert bind_params(SPECS, {"shop": "x", "keys": "a, b,,c"}, from_text=True)["keys"] == [
        "a", "b", "c"]
    assert bind_params(SPECS, {"shop": "x", "keys": ["a", "b,c"]}, from_text=True)["keys"] == [
        "a", "b", "c"]
    assert bind_params(SPECS, {"shop": "x", "keys": ""}, from_text=True)["keys"] == []


def test_str_values_are_kept_verbatim() -> None:
    evil = "x'}) DETACH DELETE n // ; DROP"
    assert bind_params(SPECS, {"shop": evil}, from_text=True)["shop"] == evil
    assert bind_params(SPECS, {"shop": "  spaced  "}, from_text=True)["shop"] == "  spaced  "


@pytest.mark.parametrize(("given", "text", "name", "words"), [
    ({}, False, "shop", ["missing parameter 'shop'", "expected str", "-p shop=VALUE"]),
    ({"shop": "x", "bogus": "1"}, True, "bogus", ["unknown parameter 'bogus'",
                                                  "this query takes: shop, hops"]),
    ({"shop": "x", "hops": "two"}, True, "hops", ["is not an integer", "expected int from 1 to 4"]),
    ({"shop": "x", "hops": "2.5"}, True, "hops", ["is not an integer"]),
    ({"shop": "x", "hops": "9"}, True, "hops", ["out of range", "expected int from 1 to 4"]),
    ({"shop": "x", "hops": True}, False, "hops", ["must be an integer"]),
    ({"shop": "x", "hops": 2**70}, False, "hops", ["too large"]),
    ({"shop": "x", "ratio": "nan"}, True, "ratio", ["finite"]),
    ({"shop": "x", "ratio": "abc"}, True, "ratio", ["is not a number", "expected float"]),
    ({"shop": "x", "strict": "maybe"}, True, "strict", ["is not true or false",
                                                        "expected bool"]),
    ({"shop": 12}, False, "shop", ["must be a string", "expected str"]),
    ({"shop": None}, False, "shop", ["must not be null"]),
    ({"shop": "x" * (MAX_STRING + 1)}, True, "shop", ["is too long (10,001 characters)"]),
    ({"shop": "x", "keys": ["k"] * (MAX_ITEMS + 1)}, False, "keys",
     ["too many items (10,001)", "expected list[str] of at most 10,000 items"]),
    ({"shop": "x", "keys": ",".join(["k"] * (MAX_ITEMS + 1))}, True, "keys",
     ["too many items"]),
    ({"shop": "x", "keys": ["ok", "y" * (MAX_STRING + 1)]}, False, "keys",
     ["item that is too long"]),
    ({"shop": "x", "keys": [1, 2]}, False, "keys", ["only strings"]),
    ({"shop": "x", "keys": '["a", 1]'}, True, "keys", ["only strings"]),
    ({"shop": "x", "keys": "[not json"}, True, "keys", ["not a JSON list"]),
    ({"shop": "x", "keys": {"a": "1"}}, False, "keys", ["must be a list"]),
    ({"shop": ["a", "b"]}, True, "shop", ["given more than once"]),
])
def test_bad_parameters_name_the_parameter_and_type(given: dict[str, Any], text: bool,
                                                    name: str, words: list[str]) -> None:
    with pytest.raises(ParameterError) as err:
        bind_params(SPECS, given, from_text=text)
    msg = str(err.value)
    assert f"'{name}'" in msg
    for w in words:
        assert w in msg, msg
    assert isinstance(err.value, UsageError) and err.value.exit_code == 2


def test_huge_values_are_not_echoed_in_full() -> None:
    with pytest.raises(ParameterError) as err:
        bind_params(SPECS, {"shop": "x" * 50_000})
    assert len(str(err.value)) < 300


def test_parse_assignments() -> None:
    assert parse_assignments(["a=1", "b=x=y", "a=2", "c="]) == {
        "a": ["1", "2"], "b": "x=y", "c": ""}
    for bad in ("novalue", "=x", " =x"):
        with pytest.raises(ParameterError, match="name=value"):
            parse_assignments([bad])
