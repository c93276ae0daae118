"""The README's commands are the ones that exist (as sqlite-utils' test_docs.py does)."""

import re
from pathlib import Path

from click.testing import CliRunner

from ingest import settings
from ingest.cli import main

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()


def test_every_ingest_command_in_readme_exists():
    mentioned = set(re.findall(r"`ingest ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", README))  # schema-docs
    assert mentioned
    for words in mentioned:
        parts = words.split()
        cmd = main.commands.get(parts[0])
        assert cmd is not None, f"README mentions `ingest {words}`"
        if len(parts) > 1 and hasattr(cmd, "commands") and parts[1] in cmd.commands:
            continue
        assert len(parts) == 1 or not hasattr(cmd, "commands"), f"`ingest {words}`"


def test_every_command_is_in_readme():
    for name, cmd in main.commands.items():
        names = [f"ingest {name} {sub}" for sub in getattr(cmd, "commands", {})] or \
            [f"ingest {name}"]
        for full in names:
            assert f"`{full}" in README, f"{full} is not documented in README.md"


def test_make_targets_in_readme_exist():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    for target in set(re.findall(r"`make ([a-z-]+)", README)):
        assert target in targets, f"README mentions make {target}"


def test_our_settings_are_documented():
    ours = [n for n in dir(settings) if n.startswith("INGEST_")]
    assert ours
    for name in ours:
        assert f"`{name}`" in README, f"setting {name} is not in README.md"


def test_ci_runs_the_readme_test_command():
    assert "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_help_runs():
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "extract" in result.output
