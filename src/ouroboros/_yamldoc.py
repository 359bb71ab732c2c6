"""Read a YAML file keeping the line of every node, so errors can say where they are.

Shared by every loader of YAML files (datasets, deal specs, registries, rules)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ouroboros.errors import DatasetError, Problem

__all__ = ["YamlDoc", "nearest_line", "parse_yaml", "read_source"]

Path_ = tuple[str | int, ...]


def nearest_line(lines: Mapping[Any, int], path: Sequence[Any]) -> int | None:
    """The line of ``path`` in ``lines``, or of its nearest ancestor that has one.

    >>> nearest_line({(): 1, ("a",): 2}, ("a", "b", 0)), nearest_line({}, ("a",))
    (2, None)
    """
    for k in range(len(path), -1, -1):
        line = lines.get(tuple(path[:k]))
        if line is not None:
            return line
    return None


class YamlDoc:
    """Parsed YAML data plus a map from node path to its 1-based line number.

    Examples
    --------
    >>> doc = parse_yaml("a:\\n  b: [1, 2]\\n", "x.yaml")
    >>> doc.data, doc.line(("a", "b", 1))
    ({'a': {'b': [1, 2]}}, 2)
    >>> doc.line(("a", "missing"))     # falls back to the nearest known parent
    2
    """

    def __init__(self, data: Any, lines: dict[Path_, int], file: str) -> None:
        self.data = data
        self.lines = lines
        self.file = file

    def line(self, path: Path_) -> int | None:
        """Line of ``path`` or of its nearest ancestor that has one."""
        return nearest_line(self.lines, path)


def _bad_scalar(text: str, file: str, exc: Exception) -> Problem:
    """Locate the scalar whose construction failed (PyYAML does not say where)."""
    probe = yaml.SafeLoader(text)
    try:
        stack = [probe.get_single_node()]
        while stack:
            n = stack.pop()
            if isinstance(n, yaml.ScalarNode):
                try:
                    probe.construct_object(n, deep=True)
                except (ValueError, TypeError, OverflowError):
                    kind = n.tag.rsplit(":", 1)[-1]
                    return Problem(
                        file, n.start_mark.line + 1, None, None,
                        f"invalid {kind} {n.value!r}: {exc}",
                    )  # fmt: skip
            elif isinstance(n, yaml.MappingNode):
                stack.extend(v for pair in reversed(n.value) for v in reversed(pair))
            elif isinstance(n, yaml.SequenceNode):
                stack.extend(reversed(n.value))
    finally:
        probe.dispose()
    return Problem(file, None, None, None, f"invalid value: {exc}")


def read_source(path: str | os.PathLike[str]) -> str:
    """The UTF-8 text of a source file, or a :class:`DatasetError` that says what is wrong.

    >>> read_source("/no/such/file.yaml")
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    /no/such/file.yaml: no such file
    """
    p = Path(path)

    def fail(message: str) -> DatasetError:
        return DatasetError([Problem(str(p), None, None, None, message)])

    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail("no such file") from None
    except IsADirectoryError:
        raise fail("is a folder, not a file") from None
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise fail(f"cannot read: {exc}") from None


MAX_VALUES = 2_000_000
"""Most values a document may hold once aliases are expanded ("billion laughs" guard)."""

NESTED_TOO_DEEPLY = (
    "the document is nested too deeply (lists or mappings inside each other); refused"
)


def parse_yaml(text: str, file: str, *, max_values: int = MAX_VALUES) -> YamlDoc:
    r"""Parse ``text`` with the safe loader; duplicate keys are errors.

    Only plain data is built (the safe loader: no tags that build objects), and a
    document whose aliases expand to more than ``max_values`` values is refused.

    Raises
    ------
    DatasetError
        On a syntax error, a duplicated key or an over-large document, with its line, or
        a document nested too deeply for the parser.

    Examples
    --------
    >>> bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    >>> parse_yaml(bomb + "c: [*b, *b, *b, *b, *b, *b, *b, *b]\n", "x.yaml", max_values=500)
    Traceback (most recent call last):
    ...
    ouroboros.errors.DatasetError: 1 problem in dataset
    x.yaml:1: the document expands to more than 500 values (aliases); refused
    """
    loader: yaml.SafeLoader | None = None
    try:
        loader = yaml.SafeLoader(text)  # refuses some text at once (a NUL byte, say)
        node = loader.get_single_node()
        lines = _lines(node, file, max_values) if node is not None else {}
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        msg = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        raise DatasetError([Problem(file, line, None, None, f"YAML syntax error: {msg}")]) from None
    except yaml.YAMLError as exc:
        raise DatasetError([Problem(file, None, None, None, f"YAML error: {exc}")]) from None
    except (ValueError, TypeError, OverflowError) as exc:
        # a scalar that resolves to a type but cannot be built, e.g. the date 2035-13-31
        raise DatasetError([_bad_scalar(text, file, exc)]) from None
    except RecursionError:  # PyYAML composes nested nodes recursively
        raise DatasetError([Problem(file, None, None, None, NESTED_TOO_DEEPLY)]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return YamlDoc(data, lines, file)


def _lines(root: yaml.Node, file: str, max_values: int) -> dict[Path_, int]:
    """The line of every node by path (iteratively, so deep nesting cannot overflow)."""
    lines: dict[Path_, int] = {}
    problems: list[Problem] = []
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        n, path = stack.pop()
        lines[path] = n.start_mark.line + 1
        if len(lines) > max_values:
            raise DatasetError(
                [
                    Problem(
                        file, n.start_mark.line + 1, None, None,
                        f"the document expands to more than {max_values} values (aliases); "
                        "refused",
                    )
                ]
            )  # fmt: skip
        if isinstance(n, yaml.MappingNode):
            seen: set[str] = set()
            for k, v in n.value:
                key = str(k.value)
                if key in seen:
                    problems.append(
                        Problem(file, k.start_mark.line + 1, None, key, "duplicate key")
                    )
                seen.add(key)
                stack.append((v, (*path, key)))
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((v, (*path, i)) for i, v in enumerate(n.value))
    if problems:
        raise DatasetError(sorted(problems, key=lambda p: p.line or 0))
    return lines
