"""Every public package lists its names in ``__all__``, and each of them exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import ouroboros

PACKAGES = sorted(
    m.name
    for m in pkgutil.iter_modules(ouroboros.__path__, "ouroboros.")
    if not m.name.rsplit(".", 1)[1].startswith("_") and m.name != "ouroboros.data"
)


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_complete(name: str) -> None:
    module = importlib.import_module(name)
    exported = getattr(module, "__all__", None)
    assert exported, f"{name} has no __all__"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names {item!r}, which does not exist"
    public = {
        k
        for k, v in vars(module).items()
        if not k.startswith("_")
        and getattr(v, "__module__", "").startswith(name + ".")
        and callable(v)
    }
    assert public <= set(exported), f"{name} defines public names missing from __all__"
