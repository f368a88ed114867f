"""
Split one generated models module into one module per resource group, loaded on first use.

With every collection of an API modelled, importing all the attrs classes at once costs more
than the import budget (docs/architecture.md): creating an attrs class is about a millisecond.
So each resource gets a module ``_g_<resource>.py`` holding the classes only it reaches (its
read, write, page and request schemas and their nested types); classes several resources reach
go to ``_g_shared.py``. Cross-module names are imported under ``TYPE_CHECKING`` for mypy and,
at run time, resolved on demand through ``_index.model`` (each module's ``__getattr__``; the
converter evaluates annotations with the module's attributes, see ``_converter._field_infos``).
"""

from __future__ import annotations

import ast
from typing import Any


SHARED = "_g_shared"


def _units(source: str) -> tuple[list[str], dict[str, str], dict[str, set[str]], set[str]]:
    """The module's header lines, each top-level class/alias source, its references, aliases."""
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    header_end = min(
        node.lineno - 1 - len(getattr(node, "decorator_list", []))
        for node in tree.body
        if isinstance(node, (ast.ClassDef, ast.AnnAssign))
    )
    units: dict[str, str] = {}
    aliases: set[str] = set()
    nodes = [n for n in tree.body if isinstance(n, (ast.ClassDef, ast.AnnAssign))]
    for node in nodes:
        start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])]) - 1
        name = node.name if isinstance(node, ast.ClassDef) else ast.unparse(node.target)
        if isinstance(node, ast.AnnAssign):
            aliases.add(name)
        units[name] = "".join(lines[start : node.end_lineno])
    refs = {
        name: {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name) and n.id in units}
        - {name}
        for name, text in units.items()
    }
    return lines[:header_end], units, refs, aliases


def _groups(
    resources: list[dict[str, Any]], units: dict[str, str], refs: dict[str, set[str]]
) -> dict[str, str]:
    """Map every class to its module: the one resource group reaching it, else the shared one."""
    roots: dict[str, str] = {}
    for info in resources:
        module = f"_g_{info['name']}"
        names = [info["model"], f"{info['model']}Page"]
        if info.get("write_model"):
            names += [info["write_model"], f"{info['write_model']}Request"]
        for name in names:
            if name in units:
                roots.setdefault(name, module)
    reached: dict[str, set[str]] = {}
    for root, module in roots.items():
        stack, seen = [root], {root}
        while stack:
            for ref in refs[stack.pop()]:
                # Another resource's schemas belong to that resource's group.
                if ref not in seen and (ref not in roots or roots[ref] == module):
                    seen.add(ref)
                    stack.append(ref)
        for name in seen:
            reached.setdefault(name, set()).add(module)
    return {
        name: roots.get(name) or (next(iter(reached[name])) if len(reached.get(name, ())) == 1
                                  else SHARED)
        for name in units
    }  # fmt: skip


def split(
    source: str, resources: list[dict[str, Any]], header: str
) -> tuple[dict[str, str], dict[str, str]]:
    """
    Split ``source`` (the whole generated models module) by resource group.

    Returns:
        ``({file name: module source}, {class name: module name})``.
    """
    head, units, refs, aliases = _units(source)
    module_of = _groups(resources, units, refs)
    for alias in aliases:  # evaluated at import time: keep it beside what it names
        targets = {module_of[r] for r in refs[alias]}
        module_of[alias] = targets.pop() if len(targets) == 1 else SHARED
    files: dict[str, str] = {}
    for module in sorted(set(module_of.values())):
        names = [n for n in units if module_of[n] == module]
        outside: dict[str, list[str]] = {}
        runtime: dict[str, list[str]] = {}
        for name in names:
            for ref in sorted(refs[name]):
                if module_of[ref] != module:
                    target = runtime if name in aliases else outside
                    target.setdefault(module_of[ref], [])
                    if ref not in target[module_of[ref]]:
                        target[module_of[ref]].append(ref)
        text = header + '"""Generated models of one resource group (loaded on first use)."""\n\n'
        text += "".join(line for line in head if not line.startswith("#"))
        text += "from typing import TYPE_CHECKING\n\nfrom . import _index\n"
        for other, found in sorted(runtime.items()):
            text += f"from .{other} import {', '.join(found)}\n"
        if outside:
            text += "\nif TYPE_CHECKING:\n"
            for other, found in sorted(outside.items()):
                text += f"    from .{other} import {', '.join(found)}\n"
        text += "\n\n" + "\n\n".join(units[n].rstrip("\n") + "\n" for n in names)
        text += (
            "\n\ndef __getattr__(name: str) -> Any:\n"
            '    """Resolve a model of another group on first use (annotations name them)."""\n'
            "    return _index.model(name)\n"
        )
        files[f"{module}.py"] = text
    return files, module_of


def index_module(module_of: dict[str, str], header: str) -> str:
    """Render ``_index.py``: which module holds each model, and the lazy loader."""
    rows = "".join(f"    {name!r}: {module!r},\n" for name, module in sorted(module_of.items()))
    return (
        header
        + '"""Where each generated model lives; models load with their module on first use."""\n\n'
        + "from __future__ import annotations\n\n"
        + "from importlib import import_module\n"
        + "from typing import Any\n\n\n"
        + '__all__ = ["MODULE_OF", "model"]\n\n'
        + f"MODULE_OF: dict[str, str] = {{\n{rows}}}\n\n\n"
        + "def model(name: str) -> Any:\n"
        + '    """\n'
        + "    Return the model class ``name``, importing its module on first use.\n\n"
        + "    Raises:\n"
        + "        AttributeError: no generated model has that name.\n"
        + '    """\n'
        + "    module = MODULE_OF.get(name)\n"
        + "    if module is None:\n"
        + '        raise AttributeError(f"no generated model named {name!r}")\n'
        + '    return getattr(import_module(f"{__package__}.{module}"), name)\n'
    )


def reexport_module(module_of: dict[str, str], header: str, doc: str) -> str:
    """A module re-exporting every model: static imports for mypy, lazy at run time."""
    by_module: dict[str, list[str]] = {}
    for name, module in sorted(module_of.items()):
        by_module.setdefault(module, []).append(name)
    imports = "".join(
        f"    from .{module} import (\n" + "".join(f"        {n},\n" for n in names) + "    )\n"
        for module, names in sorted(by_module.items())
    )
    exported = "".join(f'    "{name}",\n' for name in sorted(module_of))
    return (
        header
        + f'"""{doc}"""\n\n'
        + "from __future__ import annotations\n\n"
        + "from typing import TYPE_CHECKING, Any\n\n"
        + "from . import _index\n\n\n"
        + f"if TYPE_CHECKING:\n{imports}\n"
        + f"__all__ = [\n{exported}]\n\n\n"
        + "def __getattr__(name: str) -> Any:\n"
        + '    """Import a model\'s module on first use of the model."""\n'
        + "    return _index.model(name)\n"
    )
