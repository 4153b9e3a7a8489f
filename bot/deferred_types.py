"""Lets aiogram's Telegram types build their pydantic validators when first used, not at import.

aiogram's `TelegramObject` asks pydantic to defer building (`defer_build=True`), but
`aiogram/types/__init__.py` then calls `model_rebuild(_types_namespace=...)` on every type to
resolve the forward references its modules import only under `TYPE_CHECKING`, and
`model_rebuild` builds the validator and serializer whatever the config says. Each type's
validator holds a full copy of every type it nests, so this is most of the cost of `import
aiogram`: about 2 s of CPU and 100 MB on the 2-core machine (benchmarks/README.md), while a bot
uses a few dozen of those types (`Update` and what it nests, the answers of the methods it calls).

`install()` puts a finder in front of `sys.meta_path` that runs `aiogram.types`'s own module code
with `model_rebuild` doing only its first half for the deferred types: it resolves the fields'
annotations with aiogram's namespace (so a type nested in any other model, `Response[Message]`
included, is known by class) and keeps the namespace as the type's parent namespace (which
pydantic's own first-use rebuild reads). It also marks aiogram's `TelegramMethod` deferred before
the method classes (`SendMessage`, …) are defined, as they would otherwise be built at import
too. Validators are then built by pydantic, on first use, as `defer_build` intends. The upstream
issues are aiogram/aiogram#1891 (the slow import, open) and #1876 (closed); aiogram/aiogram#1861
only shared the namespace between the rebuilds. The upstream
fix would be for the loop to skip types whose config defers building; pydantic offers no public
"resolve the fields only" call, hence the two private functions below, checked by
tests/test_deferred_types.py against the pinned pydantic (every type still builds and parses).

pydantic builds a deferred model on first use without a lock: first uses from two threads at once
could race. The bot parses Telegram types only on its event loop thread.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec, PathFinder
from types import ModuleType
from typing import Any

_TYPES_PACKAGE = "aiogram.types"
_METHODS_BASE = "aiogram.methods.base"


def install() -> None:
    """Defer the types' validators in this process, unless aiogram's types are already imported."""
    if _TYPES_PACKAGE in sys.modules or any(isinstance(f, _Finder) for f in sys.meta_path):
        return
    sys.meta_path.insert(0, _Finder())


def deferred() -> bool:
    """Whether this process imported aiogram's types with their validators deferred."""
    module = sys.modules.get(_TYPES_PACKAGE)
    return module is not None and isinstance(getattr(module, "__loader__", None), _Loader)


class _Finder(MetaPathFinder):
    """Wraps the loaders of aiogram's types package and of its methods' base module, once each."""

    def __init__(self) -> None:
        self._waiting = {_TYPES_PACKAGE, _METHODS_BASE} - set(sys.modules)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in self._waiting:
            return None
        self._waiting.discard(fullname)
        if not self._waiting:
            sys.meta_path.remove(self)
        spec = PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


class _Loader(Loader):
    def __init__(self, loader: Loader) -> None:
        self._loader = loader

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        if module.__name__ == _METHODS_BASE:
            self._loader.exec_module(module)
            # Every method class (SendMessage, …) is defined after this and inherits the config.
            module.TelegramMethod.model_config["defer_build"] = True
            return
        with _rebuilds_resolve_fields_only():
            self._loader.exec_module(module)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


@contextmanager
def _rebuilds_resolve_fields_only() -> Iterator[None]:
    from pydantic import BaseModel
    from pydantic._internal._config import ConfigWrapper
    from pydantic._internal._fields import rebuild_model_fields
    from pydantic._internal._namespace_utils import NsResolver

    rebuild = BaseModel.__dict__["model_rebuild"]
    namespaces: dict[int, dict[str, Any]] = {}

    def resolve_fields(
        cls: type[BaseModel],
        *,
        force: bool = False,
        raise_errors: bool = True,
        _parent_namespace_depth: int = 2,
        _types_namespace: Any = None,
    ) -> bool | None:
        if force or _types_namespace is None or not cls.model_config.get("defer_build"):
            return rebuild.__func__(  # type: ignore[no-any-return]
                cls,
                force=force,
                raise_errors=raise_errors,
                _parent_namespace_depth=_parent_namespace_depth + 1,
                _types_namespace=_types_namespace,
            )
        namespace = namespaces.get(id(_types_namespace))
        if namespace is None:
            namespace = namespaces[id(_types_namespace)] = dict(_types_namespace)
        if not cls.__pydantic_fields_complete__:
            cls.__pydantic_fields__, cls.__pydantic_extra_info__ = rebuild_model_fields(
                cls,
                config_wrapper=ConfigWrapper(cls.model_config, check=False),
                ns_resolver=NsResolver(parent_namespace=namespace),
                typevars_map={},
            )
        cls.__pydantic_parent_namespace__ = namespace
        return None

    BaseModel.model_rebuild = classmethod(resolve_fields)  # type: ignore[assignment, method-assign]
    try:
        yield
    finally:
        BaseModel.model_rebuild = rebuild  # type: ignore[method-assign]
