"""The recipe formula language: precedence, functions, errors, safety."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from ouroboros.hurdle import ExpressionError, parse_expression


def ev(text: str, **env: float) -> float:
    return float(np.asarray(parse_expression(text).evaluate(env)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 - 2 - 3", -4.0),
        ("8 / 4 / 2", 1.0),
        ("2 + 3 * 4", 14.0),
        ("(2 + 3) * 4", 20.0),
        ("-2 ** 2", -4.0),
        ("2 ** 3 ** 2", 512.0),
        ("2 ** -1", 0.5),
        ("--3", 3.0),
        ("+4", 4.0),
        ("3e12 * 0.12", 3.6e11),
        ("1_000 + .5", 1000.5),
        ("max(1, 7, 3) - min(4, 2)", 5.0),
        ("abs(-3) + sqrt(16) + ln(exp(2))", 9.0),
        ("annuity(0.1, 3) * crf(0.1, 3)", 1.0),
        ("years_to(800, 100, 1)", 3.0),
        ("years_to(50, 100, 1)", 0.0),
    ],
)
def test_arithmetic(text: str, expected: float) -> None:
    assert_allclose(ev(text), expected, rtol=1e-12)


def test_crf_rate_inverts_crf() -> None:
    assert_allclose(ev("crf_rate(crf(0.08, 6), 6)"), 0.08, atol=1e-12)
    assert ev("crf_rate(0.12, 6)") < 0  # 12% a year for 6 years never repays the capital


def test_names_and_vectorised_evaluation() -> None:
    e = parse_expression("capex * y / margin")
    assert e.names == frozenset({"capex", "y", "margin"})
    out = e.evaluate({"capex": np.array([1.0, 2.0]), "y": 0.5, "margin": np.array([0.5, 0.25])})
    assert_allclose(out, [1.0, 4.0])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3 ^ 2", "use ** for powers"),
        ("12%", "write percentages as decimals"),
        ("$3", "write amounts as plain numbers"),
        ("max(1, 2", "expected ')' at column 9"),
        ("1 +", "expected a number, a name or '(' at column 4"),
        ("(1 + 2))", "unexpected token at column 8"),
        ("", "empty formula"),
        ("foo(1)", "unknown function 'foo'"),
        ("crf(0.1)", "crf() takes 2 arguments, got 1"),
        ("__import__('os')", "unexpected character"),
        ("a.b", "unexpected character '.'"),
        ("x[0]", "unexpected character '['"),
        ("1 if 2 else 3", "unexpected token"),
        ("lambda: 1", "unexpected character ':'"),
    ],
)
def test_syntax_errors_say_where(text: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=None) as info:
        parse_expression(text)
    assert message in str(info.value)


def test_attribute_and_dunder_names_are_plain_unknown_names() -> None:
    e = parse_expression("__class__ + 1")
    with pytest.raises(ExpressionError, match="unknown name '__class__'"):
        e.evaluate({})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1 / (2 - 2)", "division by zero"),
        ("(-8) ** 0.5", "fractional power"),
        ("0 ** -1", "zero raised to a negative power"),
        ("ln(0)", "positive argument"),
        ("sqrt(-1)", "non-negative"),
        ("crf(-1, 5)", "r > -1"),
        ("10 ** 400", "not a finite number"),
        ("x + 1", "unknown name 'x'"),
    ],
)
def test_evaluation_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        parse_expression(text).evaluate({})
    assert message in str(info.value)


def test_deep_nesting_is_refused_not_a_crash() -> None:
    with pytest.raises(ExpressionError, match="nested more than"):
        parse_expression("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExpressionError, match="nested more than"):
        parse_expression("-" * 500 + "1")
    with pytest.raises(ExpressionError, match="longer than"):
        parse_expression("1+" * 3000 + "1")


# hypothesis: random trees, rendered with full parentheses, evaluated independently


def _trees(depth: int) -> st.SearchStrategy[tuple[str, float]]:
    leaf = st.floats(0.5, 9.5).map(lambda x: (repr(round(x, 3)), round(x, 3)))
    if depth == 0:
        return leaf

    def combine(op: str, a: tuple[str, float], b: tuple[str, float]) -> tuple[str, float]:
        if op == "+":
            value = a[1] + b[1]
        elif op == "-":
            value = a[1] - b[1]
        elif op == "*":
            value = a[1] * b[1]
        else:
            value = a[1] / b[1]
        return (f"({a[0]} {op} {b[0]})", value)

    sub = _trees(depth - 1)
    return st.one_of(
        leaf,
        st.builds(combine, st.sampled_from(["+", "-", "*"]), sub, sub),
        st.builds(combine, st.just("/"), sub, leaf),
    )


@settings(max_examples=200, deadline=None)
@given(tree=_trees(3))
def test_parenthesised_trees_evaluate_like_arithmetic(tree: tuple[str, float]) -> None:
    text, value = tree
    got = ev(text)
    assert math.isclose(got, value, rel_tol=1e-12, abs_tol=1e-12)
