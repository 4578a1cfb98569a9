"""Type stubs for ``jaxact.autodiff`` and ``jaxact.closed_form``, generated from the registry.

Both modules hand out registry functions by name at run time, which a type
checker cannot see. Every path has the signature of the activation itself, so
each stub re-exports the activations from their family modules. Regenerate
after adding an activation (a test checks the committed stubs are current):

    python -m jaxact.tools._stubgen
"""

from __future__ import annotations

from pathlib import Path

from jaxact import registry

MODULES = ("autodiff", "closed_form")


def render(module: str) -> str:
    by_family: dict[str, list[str]] = {}
    for entry in registry.entries():
        by_family.setdefault(entry.family, []).append(entry.name)
    lines = [f'"""Generated from the registry by `python -m jaxact.tools._stubgen`: do not edit. ({module})"""', ""]
    for family in sorted(by_family):
        lines.append(f"from jaxact.{family} import (")
        lines += [f"    {name} as {name}," for name in sorted(by_family[family])]
        lines.append(")")
    aliases = [(a, e.name) for e in registry.entries() for a in e.aliases]
    if aliases:
        lines.append("")
        lines += [f"{a} = {name}" for a, name in sorted(aliases)]
    return "\n".join(lines) + "\n"


def path(module: str) -> Path:
    return Path(__file__).parent.parent / f"{module}.pyi"


def main() -> None:
    for module in MODULES:
        path(module).write_text(render(module))
        print(f"wrote {path(module)}")


if __name__ == "__main__":
    main()
