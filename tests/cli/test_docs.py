"""The README's quick start, the scripts behind it, and the configuration reference."""

import os
import re
import subprocess
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def quick_start_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## 快速开始 / Quick start", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```[a-z]*\n(.*?)```", section, re.S)
    assert len(blocks) == 1, "the quick start has one code block"
    return [line.strip() for line in blocks[0].splitlines() if line.strip() and not line.startswith("#")]


def test_quick_start_is_exactly_two_commands():
    assert quick_start_commands() == ["./scripts/demo.sh", "./scripts/test.sh"]


def test_scripts_are_executable_bash():
    for name in ["scripts/demo.sh", "scripts/test.sh", "scripts/install.sh", ".ci/run"]:
        path = ROOT / name
        assert path.exists(), name
        assert os.access(path, os.X_OK), f"{name} is not executable"
        assert path.read_text().startswith("#!/usr/bin/env bash"), name
        subprocess.run(["bash", "-n", str(path)], check=True)


def test_ci_runs_the_readme_test_command_on_both_engines():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "set -euo pipefail" in ci
    assert ci.count("./scripts/test.sh") == 2
    assert "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test ./scripts/test.sh" in ci


def test_every_environment_variable_is_documented():
    source = (Path(settings.PACKAGE_DIR) / "settings.py").read_text(encoding="utf-8")
    names = set(
        re.findall(r"(?:os\.environ\.get|os\.getenv|env_bool|env_list)\(\s*\"([A-Z][A-Z0-9_]*)\"", source)
    )
    names |= set(re.findall(r"os\.environ\[\"([A-Z][A-Z0-9_]*)\"\]", source))
    assert {"DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "MEDIA_ROOT"} <= names
    documented = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert not missing, f"add these to docs/configuration.md: {missing}"


def test_docs_link_to_existing_files():
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", doc.read_text(encoding="utf-8")):
            assert (doc.parent / target).exists(), f"{doc.name} links to a missing {target}"
