"""
The one entry point for every check: ``nox`` (tests), ``nox -s lint typecheck codegen_check``.

Sessions install the project and the dependency groups of ``pyproject.toml`` into their own
virtual environments, so a machine with only Python and pip can run every one of them.
"""

from __future__ import annotations

from pathlib import Path

import nox


nox.options.sessions = ["tests"]
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_external_run = True

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")


def install_groups(session: nox.Session, *groups: str, project: bool = True) -> None:
    """Install the project (editable) and the named dependency groups."""
    requirements: list[str] = []
    for group in groups:
        requirements += nox.project.dependency_groups(PYPROJECT, group)
    if project:
        session.install("-e", ".", *requirements)
    else:
        session.install(*requirements)


@nox.session
def tests(session: nox.Session) -> None:
    """Run the whole test suite under coverage, warnings as errors, on loopback only."""
    install_groups(session, "tests")
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    session.run("coverage", "combine", success_codes=[0, 1])
    session.run("coverage", "report", "--fail-under=85")


@nox.session
def lint(session: nox.Session) -> None:
    """Check style and formatting with ruff."""
    install_groups(session, "lint", project=False)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Run mypy --strict on the library (generated models included) and on tests/typing."""
    install_groups(session, "typing")
    session.run("mypy", "src", "tests/typing", "noxfile.py")


@nox.session
def codegen(session: nox.Session) -> None:
    """Regenerate the attrs models from openapi/*.yaml."""
    install_groups(session, "codegen")
    session.run("python", "codegen/generate.py")


@nox.session
def codegen_check(session: nox.Session) -> None:
    """Fail when the committed models differ from a fresh generation."""
    install_groups(session, "codegen")
    session.run("python", "codegen/generate.py", "--check")


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks (not part of the default run) and write benchmarks/RESULTS.md."""
    install_groups(session, "bench", "tests")
    session.run("python", "-m", "benchmarks", *session.posargs)
