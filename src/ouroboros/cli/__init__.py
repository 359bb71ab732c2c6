"""The ``ouroboros`` command-line tool (Typer + Rich).

Each command group lives in its own private module with a ``register(app)`` function;
this module wires them together and turns every :class:`~ouroboros.errors.OuroborosError`
into ``ErrorType: message`` on stderr and exit code 1. No traceback reaches the user
unless ``--debug`` is given.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType

import typer

from ouroboros import __version__
from ouroboros.errors import DatasetError, OuroborosError

__all__ = ["app", "main"]

# Each command lives in a private module that is imported only when that command runs, so
# ``ouroboros --version`` or ``ouroboros loops`` do not pay for every engine's imports.
COMMANDS: dict[str, str] = {
    "dataset": "_dataset",
    "loops": "_flows",
    "clear": "_flows",
    "hurdle": "_hurdle",
    "contagion": "_contagion",
    "debtrank": "_contagion",
    "deal": "_deals",
    "liquidity": "_markets",
    "layers": "_markets",
    "monitor": "_monitor",
    "stress": "_stress",
    "runs": "_stress",
    "serve": "_web",
    "report": "_web",
}


def _load_command(ctx: typer.Context | None, name: str) -> object:
    module = importlib.import_module(f"ouroboros.cli.{COMMANDS[name]}")
    holder = typer.Typer()

    @holder.callback()
    def _group() -> None:  # forces Typer to build a group, even for one command
        pass

    module.register(holder)
    group = typer.main.get_command(holder)
    return group.get_command(ctx, name)  # type: ignore[attr-defined]


class _LazyGroup(typer.core.TyperGroup):
    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: typer.Context, cmd_name: str) -> object:  # type: ignore[override]
        found = super().get_command(ctx, cmd_name)
        if found is None and cmd_name in COMMANDS:
            return _load_command(ctx, cmd_name)
        return found


app = typer.Typer(
    name="ouroboros",
    cls=_LazyGroup,
    help="Model, measure, stress and watch the money web behind AI infrastructure.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

_DEBUG = {"on": False}


def _click_exception_modules() -> list[ModuleType]:
    # Typer >= 0.20 vendors click as ``typer._click``; older Typer uses click itself.
    found = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            found.append(importlib.import_module(name))
        except ImportError:
            continue
    return found


_CLICK = _click_exception_modules()
_EXIT: tuple[type[BaseException], ...] = (
    typer.Exit,
    *(m.Exit for m in _CLICK if hasattr(m, "Exit")),
)
_ABORT: tuple[type[BaseException], ...] = (
    typer.Abort,
    *(m.Abort for m in _CLICK if hasattr(m, "Abort")),
)
_USAGE: tuple[type[BaseException], ...] = tuple(m.ClickException for m in _CLICK)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ouroboros {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
    debug: bool = typer.Option(False, "--debug", help="Show Python tracebacks on errors."),
    db: str | None = typer.Option(
        None,
        "--db",
        help="The DuckDB store file (default: $OUROBOROS_DB or the user data directory).",
    ),
) -> None:
    """Model, measure, stress and watch the money web behind AI infrastructure."""
    _DEBUG["on"] = debug
    if db is not None:
        os.environ["OUROBOROS_DB"] = db


def _report(exc: BaseException) -> None:
    from ouroboros.cli._common import err_console

    name = type(exc).__name__
    if isinstance(exc, DatasetError):
        err_console.print(f"[red]{name}[/red]: {len(exc.problems)} problem(s)", highlight=False)
        for p in exc.problems:
            # one line per problem, printed verbatim (no Rich markup in user data)
            sys.stderr.write(f"  {p}\n")
    else:
        err_console.print(f"[red]{name}[/red]: ", end="", highlight=False)
        sys.stderr.write(f"{exc}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; ``sys.argv[1:]`` by default.

    Examples
    --------
    >>> main(["--version"])
    ouroboros 0.1.0
    0
    """
    args = list(sys.argv[1:] if argv is None else argv)
    _DEBUG["on"] = "--debug" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="ouroboros", standalone_mode=False)
    except _EXIT as exc:
        return int(getattr(exc, "exit_code", 0))
    except _ABORT:
        sys.stderr.write("Aborted\n")
        return 1
    except _USAGE as exc:
        exc.show()  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", 2))
    except OuroborosError as exc:
        if _DEBUG["on"]:
            raise
        _report(exc)
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("Interrupted\n")
        return 130
    except Exception as exc:  # a bug: say so plainly, keep the traceback behind --debug
        if _DEBUG["on"]:
            raise
        sys.stderr.write(
            f"InternalError: {type(exc).__name__}: {exc}\n"
            "(this is a bug in ouroboros; run with --debug for details)\n"
        )
        return 1
    return int(result) if isinstance(result, int) else 0
