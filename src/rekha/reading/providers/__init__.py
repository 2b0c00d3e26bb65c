"""Reading providers behind one `Reader` interface, chosen by name (settings.reading_provider).

Providers register a factory `settings -> Reader`. Factories import lazily, so choosing the
local reader never imports the OpenAI SDK and vice versa. To add a provider, add one line to
`_BUILTIN` (module path and factory) or call `register_reader` at start-up.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from rekha.reading.providers.base import ProgressCallback, ProviderUnavailable, Reader

if TYPE_CHECKING:
    from rekha.settings import Settings

ReaderFactory = Callable[["Settings"], Reader]

# name -> "module:callable", the callable taking Settings and returning a Reader.
_BUILTIN: dict[str, str] = {
    "local": "rekha.reading.providers.local:LocalReader",
    # The OpenAI provider lives in providers/openai.py (OpenAIReader(settings)).
    "openai": "rekha.reading.providers.openai:OpenAIReader",
}
_registered: dict[str, ReaderFactory] = {}


class UnknownProvider(ValueError):
    """No reading provider by that name (a configuration error, not worth retrying)."""


def register_reader(name: str, factory: ReaderFactory) -> None:
    _registered[name] = factory


def available_readers() -> list[str]:
    return sorted({*_BUILTIN, *_registered})


def _resolve(name: str) -> ReaderFactory:
    if name in _registered:
        return _registered[name]
    if name not in _BUILTIN:
        raise UnknownProvider(
            f"unknown reading provider {name!r}; choose one of {', '.join(available_readers())}"
        )
    module_name, attr = _BUILTIN[name].split(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownProvider(f"reading provider {name!r} is not installed: {exc}") from exc
    factory: ReaderFactory = getattr(module, attr)
    return factory


def get_reader(name: str | None = None, settings: Settings | None = None) -> Reader:
    """The reader called `name` (default: settings.reading_provider), built from settings."""
    if settings is None:
        from rekha.settings import get_settings

        settings = get_settings()
    return _resolve(name or settings.reading_provider)(settings)


__all__ = [
    "ProgressCallback",
    "ProviderUnavailable",
    "Reader",
    "ReaderFactory",
    "UnknownProvider",
    "available_readers",
    "get_reader",
    "register_reader",
]
