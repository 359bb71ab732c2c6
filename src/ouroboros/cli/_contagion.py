"""``ouroboros contagion`` and ``ouroboros debtrank``: who fails and who loses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import typer

from ouroboros.cli._common import (
    OutputFormat,
    console,
    load_path_or_default,
    parse_format,
    print_json,
    print_table,
)
from ouroboros.contagion import (
    ClearingResult,
    debtrank,
    edge_losses,
    eisenberg_noe,
    furfine,
    ledger_contagion,
    ledger_network,
    read_exposure_network,
    read_liability_network,
    read_shock,
    rogers_veraart,
)
from ouroboros.errors import InputError

__all__ = ["register"]

_METHODS = {
    "en": "Eisenberg–Noe",
    "rv": "Rogers–Veraart",
    "furfine": "Furfine",
    "layers": "Elsinger",
}


def register(app: typer.Typer) -> None:
    """Add the ``contagion`` and ``debtrank`` commands to ``app``."""
    app.command("contagion")(contagion)
    app.command("debtrank")(debtrank_command)


def contagion(
    liabilities: Path | None = typer.Option(
        None, "--liabilities", help="CSV debtor,creditor,amount (the debtor owes the creditor)."
    ),
    external: Path | None = typer.Option(
        None, "--external", help="CSV entity,external_assets,external_liabilities."
    ),
    method: str | None = typer.Option(
        None,
        "--method",
        help="en (Eisenberg–Noe), rv (Rogers–Veraart), furfine. Without files the dataset "
        "is cleared by seniority layers (Elsinger).",
    ),
    alpha: float | None = typer.Option(
        None, "--alpha", help="rv: share of external assets a defaulter realises."
    ),
    beta: float | None = typer.Option(
        None, "--beta", help="rv: share of network claims a defaulter realises."
    ),
    lgd: float = typer.Option(1.0, "--lgd", help="furfine: loss given default."),
    external_seniority: str = typer.Option(
        "pari-passu",
        "--external-seniority",
        help="en/rv: external liabilities 'pari-passu' with the network's (default) or "
        "'senior' (paid first).",
    ),
    shock: Path | None = typer.Option(
        None, "--shock", help="CSV entity,shock: share of external assets lost (0 to 1)."
    ),
    default: list[str] = typer.Option(
        [], "--default", help="Dataset mode: an entity that fails outright (repeatable)."
    ),
    recovery: float = typer.Option(
        0.0, "--recovery", help="Dataset mode: share of a failed entity's debts recovered."
    ),
    dataset: Path | None = typer.Option(
        None, "--dataset", help="Dataset mode: a dataset file or folder (default: bundled)."
    ),
    year: int | None = typer.Option(
        None, "--year", help="Dataset mode: use financials of this year or earlier."
    ),
    equity_ratio: float = typer.Option(
        0.1, "--equity-ratio", help="Dataset mode: equity/assets assumed where unknown."
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """Clear a liability network after a shock: payments, equity, defaults round by round.

    With --liabilities and --external, clears the network in the files. Without them,
    clears the dataset's claims by seniority layer after the --default entities fail.
    """
    out = parse_format(fmt)
    if liabilities is None and external is None:
        _dataset_mode(
            out, method, default, recovery, shock, dataset, year, equity_ratio, alpha, beta
        )
        return
    if liabilities is None or external is None:
        raise InputError("give both --liabilities and --external (or neither, for the dataset)")
    if default:
        raise InputError("--default applies to the dataset; with files, use --shock")
    name = method or "en"
    if name not in ("en", "rv", "furfine"):
        raise InputError(f"--method must be en, rv or furfine with files; got {name!r}")
    if name != "rv" and (alpha is not None or beta is not None):
        raise InputError("--alpha and --beta apply to --method rv")
    net = read_liability_network(liabilities, external)
    cut = read_shock(shock, net.ids, defined_in=str(external)) if shock is not None else None
    args: dict[str, Any] = {"entities": list(net.ids), "shock": cut}
    if name == "furfine":
        result = furfine(
            net.liabilities, net.external_assets, net.external_liabilities, lgd=lgd, **args
        )
        title = f"Furfine sequential default (LGD {lgd:g})"
    elif name == "rv":
        if alpha is None or beta is None:
            raise InputError("--method rv needs --alpha and --beta (recovery rates in [0, 1])")
        result = rogers_veraart(
            net.liabilities,
            net.external_assets,
            net.external_liabilities,
            alpha=alpha,
            beta=beta,
            external_seniority=external_seniority,  # type: ignore[arg-type]
            **args,
        )
        title = (
            f"Rogers–Veraart clearing (alpha {alpha:g}, beta {beta:g}; "
            f"external liabilities {external_seniority})"
        )
    else:
        result = eisenberg_noe(
            net.liabilities,
            net.external_assets,
            net.external_liabilities,
            external_seniority=external_seniority,  # type: ignore[arg-type]
            **args,
        )
        title = f"Eisenberg–Noe clearing (external liabilities {external_seniority})"
    losses = dict(zip(net.ids, result.losses[0].tolist(), strict=True))
    if out is OutputFormat.json:
        body = result.to_dict()
        body["method"] = name
        body["external_seniority"] = external_seniority if name != "furfine" else None
        body["losses"] = {k: v for k, v in losses.items() if v > 0}
        print_json(body)
        return
    _print_clearing(result, title)


def _dataset_mode(
    out: OutputFormat,
    method: str | None,
    default: list[str],
    recovery: float,
    shock: Path | None,
    dataset: Path | None,
    year: int | None,
    equity_ratio: float,
    alpha: float | None,
    beta: float | None,
) -> None:
    if method not in (None, "layers"):
        raise InputError(
            "without --liabilities/--external the dataset is cleared by seniority layers; "
            "--method must be omitted or 'layers'"
        )
    if alpha is not None or beta is not None:
        raise InputError("--alpha and --beta apply to --method rv with files")
    if not default and shock is None:
        raise InputError("name a shock: --default ENTITY (repeatable) or --shock S.csv")
    ledger = load_path_or_default(dataset)
    net = ledger_network(ledger, year=year, equity_ratio=equity_ratio)
    cut = read_shock(shock, net.ids, defined_in="the dataset") if shock is not None else None
    shocks = dict(zip(net.ids, cut.tolist(), strict=True)) if cut is not None else None
    result = ledger_contagion(net, default=default, recovery=recovery, shock=shocks)
    layer_names = ("secured", "senior", "subordinated")
    losses = edge_losses(list(net.layers), result)
    losses["layer"] = [layer_names[k] for k in losses["layer"]]
    if out is OutputFormat.json:
        body = result.to_dict()
        body["method"] = "layers"
        body["unit"] = net.unit
        body["failed"] = list(default)
        body["losses"] = [
            {
                "debtor": str(r.debtor),
                "creditor": str(r.creditor),
                "layer": r.layer,
                "owed": float(r.owed),  # type: ignore[arg-type]
                "loss": float(r.loss),  # type: ignore[arg-type]
            }
            for r in losses.itertuples(index=False)
        ]
        print_json(body)
        return
    what = ", ".join(default) if default else "the shock in " + str(shock)
    _print_clearing(
        result,
        f"Clearing by seniority layer after {what} (amounts in {net.unit})",
    )
    if len(losses):
        print_table(
            losses[["debtor", "creditor", "layer", "owed", "loss"]].head(30),
            title="Losses by claim (largest first)",
        )


def _print_clearing(result: ClearingResult, title: str) -> None:
    s = 0
    n_def = int(result.default[s].sum())
    console.print(
        f"[bold]{title}[/bold]: {n_def} of {len(result.ids)} entities default "
        f"in {int(result.default_round[s].max())} round(s)",
        highlight=False,
    )
    rounds = result.to_dict(s)["rounds"]
    if rounds:
        print_table(
            pd.DataFrame(
                {
                    "round": [r["round"] for r in rounds],
                    "defaults": [", ".join(r["defaults"]) for r in rounds],
                    "network loss": [r["network_loss"] for r in rounds],
                }
            ),
            title="Defaults round by round",
        )
    table = result.table[result.table["scenario"] == s]
    table = table.assign(entity=table["entity"].astype(str))
    hit = table[(table["default"]) | (table["loss"] > 0)].sort_values(
        ["default_round", "loss"], ascending=[True, False], na_position="last"
    )
    if len(hit):
        shown = hit[["entity", "owed", "paid", "recovery", "loss", "equity"]].copy()
        shown["default round"] = [
            "" if pd.isna(v) else str(int(v)) for v in hit["default_round"].tolist()
        ]
        print_table(shown, title="Entities that default or lose")


def debtrank_command(
    exposures: Path = typer.Option(
        ..., "--exposures", help="CSV holder,counterparty,amount (the holder lent to it)."
    ),
    buffers: Path = typer.Option(
        ..., "--buffers", help="CSV entity,buffer (optional column total_assets)."
    ),
    weights: Path | None = typer.Option(
        None,
        "--weights",
        help="CSV entity,weight (default: by total assets if given, else by interbank assets).",
    ),
    shock: Path | None = typer.Option(
        None,
        "--shock",
        help="CSV entity,shock: share of the buffer lost at the start (0 to 1). Without it, "
        "each entity's DebtRank when it alone fails.",
    ),
    method: str = typer.Option(
        "single-hit",
        "--method",
        help="single-hit (Battiston 2012) or differential (Bardoscia 2015).",
    ),
    fmt: str = typer.Option("table", "--format", "-f", help="table or json."),
) -> None:
    """DebtRank: the share of economic value lost as distress spreads through exposures."""
    out = parse_format(fmt)
    if method not in ("single-hit", "differential"):
        raise InputError(f"--method must be single-hit or differential; got {method!r}")
    net = read_exposure_network(exposures, buffers, weights)
    ids = list(net.ids)
    common: dict[str, Any] = {
        "weights": net.weights,
        "total_assets": net.total_assets,
        "method": method,
        "entities": ids,
    }
    if shock is not None:
        h0 = read_shock(shock, net.ids, defined_in=str(buffers))
        result = debtrank(net.exposures, net.buffers, shock=h0, **common)
        if out is OutputFormat.json:
            print_json(result.to_dict())
            return
        console.print(
            f"[bold]DebtRank ({method})[/bold]: {float(result.debtrank[0]):.6f} of economic "
            f"value lost beyond the initial shock; {int(result.defaults[0].sum())} "
            f"entities wiped out in {int(result.rounds[0])} round(s)",
            highlight=False,
        )
        t = result.table.assign(entity=result.table["entity"].astype(str))
        print_table(
            t[t["stress"] > 0].sort_values("stress", ascending=False)[
                ["entity", "weight", "initial", "stress", "default"]
            ],
            title="Stress h (share of buffer lost)",
        )
        return
    # each entity failing alone: one batch of N scenarios
    result = debtrank(net.exposures, net.buffers, shock=np.eye(len(ids)), **common)
    if out is OutputFormat.json:
        print_json(
            {
                "method": method,
                "debtrank": dict(zip(ids, result.debtrank.tolist(), strict=True)),
                "stress": {
                    ids[s]: {
                        ids[j]: float(result.stress[s, j])
                        for j in np.flatnonzero(result.stress[s] > 0)
                    }
                    for s in range(len(ids))
                },
                "defaults": {
                    ids[s]: [ids[j] for j in np.flatnonzero(result.defaults[s])]
                    for s in range(len(ids))
                },
            }
        )
        return
    ranking = pd.DataFrame(
        {
            "entity": ids,
            "debtrank": result.debtrank,
            "wiped out": result.defaults.sum(axis=1),
            "rounds": result.rounds,
        }
    ).sort_values("debtrank", ascending=False)
    print_table(
        ranking, title=f"DebtRank ({method}) of each entity failing alone", floatfmt="{:.6f}"
    )
