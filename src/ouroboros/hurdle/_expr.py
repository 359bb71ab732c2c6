"""A tiny, safe arithmetic language for recipe formulas.

Grammar (Python precedence; ``**`` binds tighter than a unary minus on its left and is
right-associative)::

    expr   := term (("+" | "-") term)*
    term   := unary (("*" | "/") unary)*
    unary  := ("+" | "-") unary | power
    power  := atom ("**" unary)?
    atom   := NUMBER | NAME | NAME "(" [expr ("," expr)*] ")" | "(" expr ")"

Numbers are decimal literals (``3e12``, ``0.12``, ``1_000``); names are identifiers bound to
recipe inputs and earlier steps; the only callables are those in :data:`FUNCTIONS`. The text
is tokenised and parsed by hand into a small tree and evaluated over numpy arrays: nothing
is ever passed to Python's ``eval``, no attribute access, indexing or keywords exist, so a
recipe file cannot run code.

Examples
--------
>>> e = parse_expression("capex * (1 + r) ** -2")
>>> sorted(e.names)
['capex', 'r']
>>> float(e.evaluate({"capex": 121.0, "r": 0.1}))
100.0
>>> parse_expression("3 ^ 2")
Traceback (most recent call last):
...
ouroboros.hurdle._expr.ExpressionError: unexpected character '^' at column 3 (use ** for powers)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ouroboros.hurdle._finance import annuity_factor, capital_recovery_factor, solve_increasing
from ouroboros.hurdle._gap import years_to_close

__all__ = ["FUNCTIONS", "Expression", "ExpressionError", "parse_expression"]

Value = float | NDArray[np.float64]

_MAX_LENGTH = 4000
_MAX_DEPTH = 100


class ExpressionError(ValueError):
    """A formula cannot be parsed or evaluated; the message says where and why."""


def _as_array(x: Value) -> NDArray[np.float64]:
    return np.asarray(x, dtype=float)


def _fn_min(*xs: Value) -> Value:
    out = _as_array(xs[0])
    for x in xs[1:]:
        out = np.minimum(out, x)
    return out


def _fn_max(*xs: Value) -> Value:
    out = _as_array(xs[0])
    for x in xs[1:]:
        out = np.maximum(out, x)
    return out


def _fn_ln(x: Value) -> Value:
    arr = _as_array(x)
    if np.any(arr <= 0):
        raise ExpressionError("ln() needs a positive argument")
    return np.log(arr)


def _fn_sqrt(x: Value) -> Value:
    arr = _as_array(x)
    if np.any(arr < 0):
        raise ExpressionError("sqrt() needs a non-negative argument")
    return np.sqrt(arr)


def _fn_crf(r: Value, n: Value) -> Value:
    if np.any(_as_array(r) <= -1) or np.any(_as_array(n) <= 0):
        raise ExpressionError("crf(r, n) needs r > -1 and n > 0")
    return capital_recovery_factor(r, n)


def _fn_annuity(r: Value, n: Value) -> Value:
    if np.any(_as_array(r) <= -1) or np.any(_as_array(n) <= 0):
        raise ExpressionError("annuity(r, n) needs r > -1 and n > 0")
    return annuity_factor(r, n)


def _fn_crf_rate(y: Value, n: Value) -> Value:
    ya, na = np.broadcast_arrays(_as_array(y), _as_array(n))
    if np.any(ya <= 0) or np.any(na <= 0):
        raise ExpressionError("crf_rate(y, n) needs y > 0 and n > 0")
    flat_y, flat_n = ya.reshape(-1), na.reshape(-1)
    rate = solve_increasing(lambda r: capital_recovery_factor(r, flat_n), flat_y)
    if np.any(np.isnan(rate)):
        raise ExpressionError("crf_rate(y, n): no rate in [-99%, 1000%] gives that yield")
    return rate.reshape(ya.shape)


def _fn_years_to(target: Value, current: Value, growth: Value) -> Value:
    t, c, g = _as_array(target), _as_array(current), _as_array(growth)
    if np.any(t <= 0) or np.any(c <= 0) or np.any(g <= 0):
        raise ExpressionError("years_to(target, current, growth) needs positive arguments")
    return years_to_close(t, c, g)


@dataclass(frozen=True)
class _Function:
    impl: Callable[..., Value]
    min_args: int
    max_args: int | None
    doc: str


FUNCTIONS: dict[str, _Function] = {
    "min": _Function(_fn_min, 1, None, "smallest argument"),
    "max": _Function(_fn_max, 1, None, "largest argument"),
    "abs": _Function(lambda x: np.abs(_as_array(x)), 1, 1, "absolute value"),
    "sqrt": _Function(_fn_sqrt, 1, 1, "square root"),
    "ln": _Function(_fn_ln, 1, 1, "natural logarithm"),
    "exp": _Function(lambda x: np.exp(_as_array(x)), 1, 1, "exponential"),
    "crf": _Function(_fn_crf, 2, 2, "capital recovery factor r / (1 - (1 + r)^-n)"),
    "annuity": _Function(_fn_annuity, 2, 2, "annuity factor (1 - (1 + r)^-n) / r"),
    "crf_rate": _Function(
        _fn_crf_rate, 2, 2, "the rate r with crf(r, n) = y: IRR of a level yield y over n periods"
    ),
    "years_to": _Function(
        _fn_years_to, 3, 3, "years to grow from current to target at rate g (0 if reached)"
    ),
}
"""The callables a formula may use: name -> implementation, arity and a one-line doc."""


# ---------------------------------------------------------------------------- syntax tree


@dataclass(frozen=True)
class _Num:
    value: float


@dataclass(frozen=True)
class _Name:
    id: str
    pos: int


@dataclass(frozen=True)
class _Unary:
    op: str
    operand: _Node


@dataclass(frozen=True)
class _Binary:
    op: str
    left: _Node
    right: _Node


@dataclass(frozen=True)
class _Call:
    func: str
    args: tuple[_Node, ...]
    pos: int


_Node = _Num | _Name | _Unary | _Binary | _Call


# ---------------------------------------------------------------------------- tokeniser

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>(?:\d+(?:_\d+)*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\*\*|[-+*/(),])
    """,
    re.VERBOSE,
)

_HINTS = {
    "^": " (use ** for powers)",
    "%": " (write percentages as decimals, e.g. 0.12)",
    "×": " (use * to multiply)",
    "÷": " (use / to divide)",
    "$": " (write amounts as plain numbers, e.g. 3e12)",
}


@dataclass(frozen=True)
class _Token:
    kind: str  # "num", "name", "op", "end"
    text: str
    pos: int  # 0-based column


def _tokenise(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    i = 0
    while i < len(text):
        m = _TOKEN.match(text, i)
        if m is None:
            ch = text[i]
            raise ExpressionError(
                f"unexpected character {ch!r} at column {i + 1}{_HINTS.get(ch, '')}"
            )
        kind = m.lastgroup or ""
        if kind != "ws":
            tokens.append(_Token(kind, m.group(), i))
        i = m.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


# ---------------------------------------------------------------------------- parser


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenise(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def fail(self, message: str, tok: _Token | None = None) -> ExpressionError:
        tok = tok or self.peek()
        found = "end of formula" if tok.kind == "end" else repr(tok.text)
        return ExpressionError(f"{message} at column {tok.pos + 1}, found {found}")

    def expect(self, text: str) -> None:
        tok = self.peek()
        if tok.kind != "op" or tok.text != text:
            raise self.fail(f"expected {text!r}")
        self.take()

    def parse(self) -> _Node:
        if not self.text.strip():
            raise ExpressionError("empty formula")
        node = self.expr()
        if self.peek().kind != "end":
            raise self.fail("unexpected token")
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise ExpressionError(f"formula nested more than {_MAX_DEPTH} levels deep")

    def expr(self) -> _Node:
        self.enter()
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.take().text
            node = _Binary(op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> _Node:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            op = self.take().text
            node = _Binary(op, node, self.unary())
        return node

    def unary(self) -> _Node:
        tok = self.peek()
        if tok.kind == "op" and tok.text in "+-":
            self.take()
            self.enter()
            node = _Unary(tok.text, self.unary())
            self.depth -= 1
            return node
        return self.power()

    def power(self) -> _Node:
        base = self.atom()
        if self.peek().kind == "op" and self.peek().text == "**":
            self.take()
            self.enter()
            node = _Binary("**", base, self.unary())
            self.depth -= 1
            return node
        return base

    def atom(self) -> _Node:
        tok = self.peek()
        if tok.kind == "num":
            self.take()
            return _Num(float(tok.text))
        if tok.kind == "name":
            self.take()
            if self.peek().kind == "op" and self.peek().text == "(":
                return self.call(tok)
            return _Name(tok.text, tok.pos)
        if tok.kind == "op" and tok.text == "(":
            self.take()
            node = self.expr()
            self.expect(")")
            return node
        raise self.fail("expected a number, a name or '('")

    def call(self, name_tok: _Token) -> _Node:
        name = name_tok.text
        fn = FUNCTIONS.get(name)
        if fn is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(
                f"unknown function {name!r} at column {name_tok.pos + 1} (known: {known})"
            )
        self.expect("(")
        args: list[_Node] = []
        if not (self.peek().kind == "op" and self.peek().text == ")"):
            args.append(self.expr())
            while self.peek().kind == "op" and self.peek().text == ",":
                self.take()
                args.append(self.expr())
        self.expect(")")
        if len(args) < fn.min_args or (fn.max_args is not None and len(args) > fn.max_args):
            want = (
                f"{fn.min_args}"
                if fn.max_args == fn.min_args
                else f"at least {fn.min_args}"
                if fn.max_args is None
                else f"{fn.min_args} to {fn.max_args}"
            )
            raise ExpressionError(
                f"{name}() takes {want} argument{'s' if want != '1' else ''}, got {len(args)}"
            )
        return _Call(name, tuple(args), name_tok.pos)


def _collect_names(node: _Node, out: set[str]) -> None:
    if isinstance(node, _Name):
        out.add(node.id)
    elif isinstance(node, _Unary):
        _collect_names(node.operand, out)
    elif isinstance(node, _Binary):
        _collect_names(node.left, out)
        _collect_names(node.right, out)
    elif isinstance(node, _Call):
        for a in node.args:
            _collect_names(a, out)


def _eval(node: _Node, env: Mapping[str, Value]) -> Value:
    if isinstance(node, _Num):
        return node.value
    if isinstance(node, _Name):
        try:
            return env[node.id]
        except KeyError:
            raise ExpressionError(f"unknown name {node.id!r} at column {node.pos + 1}") from None
    if isinstance(node, _Unary):
        v = _eval(node.operand, env)
        return -_as_array(v) if node.op == "-" else v
    if isinstance(node, _Binary):
        a = _as_array(_eval(node.left, env))
        b = _as_array(_eval(node.right, env))
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        if node.op == "/":
            if np.any(b == 0):
                raise ExpressionError("division by zero")
            return a / b
        if np.any((a < 0) & (b != np.round(b))):
            raise ExpressionError("a negative number raised to a fractional power")
        if np.any((a == 0) & (b < 0)):
            raise ExpressionError("zero raised to a negative power")
        return np.power(a, b)
    fn = FUNCTIONS[node.func]
    return fn.impl(*(_eval(a, env) for a in node.args))


@dataclass(frozen=True)
class Expression:
    """A parsed formula: its text, the names it reads and a safe evaluator.

    Build one with :func:`parse_expression`.
    """

    text: str
    names: frozenset[str]
    _tree: _Node

    def evaluate(self, env: Mapping[str, Value]) -> Value:
        """Evaluate over ``env`` (names to floats or equally shaped numpy arrays).

        Raises
        ------
        ExpressionError
            On an unknown name, a division by zero, a domain error or a non-finite result.
        """
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            value = _eval(self._tree, env)
        arr = _as_array(value)
        if not np.all(np.isfinite(arr)):
            raise ExpressionError("the result is not a finite number (overflow?)")
        return value


def parse_expression(text: str) -> Expression:
    """Parse ``text`` into an :class:`Expression` (see the module docstring for the grammar).

    Parameters
    ----------
    text : str
        The formula.

    Returns
    -------
    Expression

    Raises
    ------
    ExpressionError
        With the column of the first problem.

    Examples
    --------
    >>> round(float(parse_expression("crf(0.08, 6)").evaluate({})), 6)
    0.216315
    >>> parse_expression("max(1, 2")
    Traceback (most recent call last):
    ...
    ouroboros.hurdle._expr.ExpressionError: expected ')' at column 9, found end of formula
    """
    if len(text) > _MAX_LENGTH:
        raise ExpressionError(f"formula longer than {_MAX_LENGTH} characters")
    tree = _Parser(text).parse()
    names: set[str] = set()
    _collect_names(tree, names)
    return Expression(text=text, names=frozenset(names), _tree=tree)
