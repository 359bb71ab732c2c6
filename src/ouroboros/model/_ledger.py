"""The :class:`Ledger`: one validated dataset of sources, entities and instruments."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ouroboros.model._schema import Entity, Instrument, InstrumentBase, Meta, Source

__all__ = ["CrossProblem", "Ledger", "cross_reference_problems"]


@dataclass(frozen=True, slots=True)
class CrossProblem:
    """A consistency problem between records; ``path`` locates it in the dataset tree."""

    path: tuple[str | int, ...]
    record: str
    field: str
    message: str
    ref: str | None = None


class Ledger(BaseModel):
    """A dataset: metadata, sources, entities and instruments, checked for consistency.

    Construct it with :func:`ouroboros.model.load_ledger` from a file, or directly from a
    mapping with ``Ledger.model_validate``; either way every id must be unique, every
    ``from``/``to`` must name an entity and every cited source must be defined.

    Examples
    --------
    >>> lg = Ledger.model_validate({
    ...     "meta": {"name": "toy", "unit": "billion"},
    ...     "sources": [{"id": "s1", "title": "A note", "kind": "estimate"}],
    ...     "entities": [
    ...         {"id": "a", "name": "A", "roles": ["chip_vendor"]},
    ...         {"id": "b", "name": "B", "roles": ["model_lab"]},
    ...     ],
    ...     "instruments": [
    ...         {"id": "a-b", "kind": "equity_investment", "from": "a", "to": "b",
    ...          "amount": 10, "start": "2025-10-01", "sources": ["s1"]},
    ...     ],
    ... })
    >>> lg.instrument("a-b").from_, lg.meta.scale
    ('a', 1000000000.0)
    """

    model_config = ConfigDict(extra="forbid")

    meta: Meta
    sources: list[Source] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    instruments: list[Instrument] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Ledger:
        problems = cross_reference_problems(self)
        if problems:
            raise ValueError("; ".join(f"{p.record}: {p.field}: {p.message}" for p in problems))
        return self

    @cached_property
    def _entities_by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    @cached_property
    def _instruments_by_id(self) -> dict[str, InstrumentBase]:
        return {i.id: i for i in self.instruments}

    @cached_property
    def _sources_by_id(self) -> dict[str, Source]:
        return {s.id: s for s in self.sources}

    @property
    def entity_ids(self) -> list[str]:
        """Entity ids in dataset order (the index order of every view)."""
        return [e.id for e in self.entities]

    def entity(self, entity_id: str) -> Entity:
        """The entity with this id (``KeyError`` with the id if there is none)."""
        try:
            return self._entities_by_id[entity_id]
        except KeyError:
            raise KeyError(f"no entity {entity_id!r} in dataset {self.meta.name!r}") from None

    def instrument(self, instrument_id: str) -> InstrumentBase:
        """The instrument with this id."""
        try:
            return self._instruments_by_id[instrument_id]
        except KeyError:
            raise KeyError(
                f"no instrument {instrument_id!r} in dataset {self.meta.name!r}"
            ) from None

    def source(self, source_id: str) -> Source:
        """The source with this id."""
        try:
            return self._sources_by_id[source_id]
        except KeyError:
            raise KeyError(f"no source {source_id!r} in dataset {self.meta.name!r}") from None

    def entities_with_role(self, role: str) -> list[Entity]:
        """Entities that carry ``role``."""
        return [e for e in self.entities if role in e.roles]

    def iter_instruments(self) -> Iterator[InstrumentBase]:
        """Instruments in dataset order."""
        return iter(self.instruments)

    def to_data(self) -> dict[str, Any]:
        """The ledger as plain data (the dataset file's layout), ready for YAML or JSON."""
        return {
            "meta": self.meta.model_dump(exclude_none=True),
            "sources": [s.model_dump(exclude_none=True) for s in self.sources],
            "entities": [e.model_dump(exclude_none=True) for e in self.entities],
            "instruments": [
                i.model_dump(by_alias=True, exclude_none=True) for i in self.instruments
            ],
        }


def _duplicates(ids: list[str]) -> set[str]:
    return {k for k, n in Counter(ids).items() if n > 1}


def cross_reference_problems(
    ledger: Ledger, *, check_duplicates: bool = True
) -> list[CrossProblem]:
    """Every consistency problem between the records of ``ledger``.

    Checks duplicate ids, ``from``/``to``/``parent`` references to entities, cited
    sources that are not defined, guarantees of unknown instruments, and revenue
    instruments whose payer is not a rest-of-world entity. A reference problem carries
    the missing id in ``ref``.
    """
    problems: list[CrossProblem] = []
    seen: set[str]
    for section, records in (
        ("sources", ledger.sources),
        ("entities", ledger.entities),
        ("instruments", ledger.instruments),
    ):
        if not check_duplicates:
            break
        dup = _duplicates([r.id for r in records])
        seen = set()
        for i, r in enumerate(records):
            if r.id in dup and r.id in seen:
                problems.append(
                    CrossProblem((section, i, "id"), r.id, "id", f"duplicate id in {section}")
                )
            seen.add(r.id)

    entities = {e.id: e for e in ledger.entities}
    entity_ids = set(entities)
    source_ids = {s.id for s in ledger.sources}
    instrument_ids = {i.id for i in ledger.instruments}

    def cite(path: tuple[str | int, ...], record: str, cited: list[str]) -> None:
        for k, sid in enumerate(cited):
            if sid not in source_ids:
                problems.append(
                    CrossProblem(
                        (*path, "sources", k),
                        record,
                        "sources",
                        f"cites source {sid!r}, which is not defined under 'sources'",
                        ref=sid,
                    )
                )

    for i, e in enumerate(ledger.entities):
        if e.parent is not None and e.parent not in entity_ids:
            problems.append(
                CrossProblem(
                    ("entities", i, "parent"),
                    e.id,
                    "parent",
                    f"unknown entity {e.parent!r}",
                    ref=e.parent,
                )
            )
        cite(("entities", i), e.id, e.sources)
        for year, fin in e.financials.items():
            cite(("entities", i, "financials", year), e.id, fin.sources)

    for i, inst in enumerate(ledger.instruments):
        for key, ref in (("from", inst.from_), ("to", inst.to)):
            if ref not in entity_ids:
                problems.append(
                    CrossProblem(
                        ("instruments", i, key), inst.id, key, f"unknown entity {ref!r}", ref=ref
                    )
                )
        cite(("instruments", i), inst.id, inst.sources)
        target = getattr(inst, "guaranteed_instrument", None)
        if target is not None and target not in instrument_ids:
            problems.append(
                CrossProblem(
                    ("instruments", i, "guaranteed_instrument"),
                    inst.id,
                    "guaranteed_instrument",
                    f"unknown instrument {target!r}",
                    ref=target,
                )
            )
        payer = entities.get(inst.from_)
        if inst.kind == "revenue" and payer is not None and not payer.is_rest_of_world:
            problems.append(
                CrossProblem(
                    ("instruments", i, "from"),
                    inst.id,
                    "from",
                    f"revenue must come from a rest_of_world entity; {inst.from_!r} is not one",
                )
            )
    return problems
