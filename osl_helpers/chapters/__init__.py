"""Chapter-specific helpers, one module per chapter, named after the chapter's notebook.

The rule: ``book/NN_name.ipynb`` calls ``osl_helpers/chapters/name.py`` for what it
computes, ``osl_helpers/charts/name.py`` for the charts only it draws, and its paper's
claims are asserted in ``tests/test_paper_name.py`` (unit tests of the module in
``tests/chapters/test_name.py``). The method itself is the flat core of
:mod:`osl_helpers`, which never imports this package.

Modules load on first use: ``osl.chapters.emergence`` imports
:mod:`osl_helpers.chapters.emergence`.
"""

import importlib
import pkgutil
from types import ModuleType

_MODULES = frozenset(m.name for m in pkgutil.iter_modules(__path__))


def __getattr__(name: str) -> ModuleType:
    if name not in _MODULES:
        raise AttributeError(f"module 'osl_helpers.chapters' has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")
