"""Packaging checks: the wheel carries the data files, the lock files pin everything with hashes,
the Dockerfile builds in stages and runs as a non-root user, dev.py needs only the stdlib."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DATA_PATTERNS = [
    "locales/*/*.ftl",
    "content/**/*.yaml",
    "content/codifier/*.csv.xz",
    "bot/sandbox/static/*",
    "storage/migrations/versions/*.py",
    "storage/migrations/env.py",
    "storage/migrations/script.py.mako",
]
LOCK_ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)")


def parse_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """{canonical name: (version, [sha256 hashes])}; fails on any line that is not a pin."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current: str | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("--hash=sha256:"):
            assert current is not None, f"{path.name}: hash before any pin: {line}"
            digest = line.removeprefix("--hash=sha256:").rstrip("\\ ").strip()
            assert re.fullmatch(r"[0-9a-f]{64}", digest), f"{path.name}: bad hash {line}"
            entries[current][1].append(digest)
            continue
        match = LOCK_ENTRY.match(line)
        assert match, f"{path.name}: not a `name==version` pin: {line!r}"
        current = canonicalize_name(match.group(1))
        assert current not in entries, f"{path.name}: {current} pinned twice"
        entries[current] = (match.group(2), [])
    return entries


@pytest.fixture(scope="module")
def run_lock() -> dict[str, tuple[str, list[str]]]:
    return parse_lock(ROOT / "requirements.lock")


@pytest.fixture(scope="module")
def dev_lock() -> dict[str, tuple[str, list[str]]]:
    return parse_lock(ROOT / "requirements-dev.lock")


def _check_pins(requirements: list[str], lock: dict[str, tuple[str, list[str]]]) -> None:
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in lock, f"{requirement.name} is not in the lock file: run `dev.py lock`"
        version = lock[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} in the lock does not satisfy {text!r}: run `dev.py lock`"
        )


def test_lock_files_pin_every_dependency_with_hashes(
    run_lock: dict[str, tuple[str, list[str]]], dev_lock: dict[str, tuple[str, list[str]]]
) -> None:
    project = PYPROJECT["project"]
    _check_pins(project["dependencies"], run_lock)
    _check_pins(project["dependencies"] + project["optional-dependencies"]["dev"], dev_lock)
    for lock in (run_lock, dev_lock):
        for name, (_version, hashes) in lock.items():
            assert hashes, f"{name} has no --hash"
    # The dev lock is the runtime lock plus tools, never a different version of a runtime package.
    for name, (version, _hashes) in run_lock.items():
        assert dev_lock.get(name, ("missing",))[0] == version, f"{name}: locks disagree"


def test_lock_files_name_no_local_paths_or_indexes() -> None:
    for name in ("requirements.lock", "requirements-dev.lock"):
        text = (ROOT / name).read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        for forbidden in ("file:", "/opt/", "/tmp/", "/work/", "--find-links", "-f ", "-e "):
            assert forbidden not in body, f"{name} contains {forbidden!r}"
        assert "--index-url" not in body and "--extra-index-url" not in body


def _copy_sources(destination: Path) -> None:
    """The files a wheel build reads: pyproject, README and the declared top-level packages."""
    destination.mkdir()
    for name in ("pyproject.toml", "README.md"):
        if (ROOT / name).exists():
            shutil.copy2(ROOT / name, destination / name)
    tops = {package.split(".")[0] for package in PYPROJECT["tool"]["setuptools"]["packages"]}
    for top in sorted(tops):
        shutil.copytree(
            ROOT / top,
            destination / top,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
        )


@pytest.mark.process
def test_wheel_contains_the_data_files(tmp_path: Path) -> None:
    """Slow-ish (about 10 s): builds the wheel with pip, as the Dockerfile does."""
    source = tmp_path / "src"
    _copy_sources(source)  # a clean copy: no stale build/ directory can leak files in
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    result = subprocess.run(
        [*command, "--wheel-dir", tmp_path / "dist", source],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = (tmp_path / "dist").glob("hromada_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        dist_info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = archive.read(dist_info).decode()

    expected = {
        path.relative_to(ROOT).as_posix()
        for pattern in DATA_PATTERNS
        for path in ROOT.glob(pattern)
    }
    assert any(name.startswith("storage/migrations/versions/0") for name in expected)
    missing = sorted(expected - names)
    assert not missing, f"not in the wheel: {missing}"
    assert "hromada-bot = bot.cli:main" in entry_points
    assert not [n for n in names if n.startswith("tests/") or "__pycache__" in n]


def _stages(dockerfile: str) -> list[tuple[str, str, list[str]]]:
    """[(image, stage name, [instructions of that stage])], continuation lines joined."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    stages: list[tuple[str, str, list[str]]] = []
    for raw in joined.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = re.match(r"FROM\s+(\S+)\s+AS\s+(\S+)$", line, re.IGNORECASE)
        if line.upper().startswith("FROM "):
            assert match, f"FROM without a stage name: {line}"
            stages.append((match.group(1), match.group(2), []))
        else:
            assert stages, f"instruction before FROM: {line}"
            stages[-1][2].append(line)
    return stages


def test_dockerfile_is_multi_stage_and_runs_as_non_root() -> None:
    stages = _stages((ROOT / "Dockerfile").read_text(encoding="utf-8"))
    assert len(stages) >= 2
    assert all(image.startswith("python:3.11") for image, _name, _lines in stages)
    builder = " ".join(stages[0][2])
    assert "--require-hashes" in builder and "requirements.lock" in builder
    assert "pip wheel --no-deps" in builder and "/opt/venv" in builder

    final = stages[-1][2]
    users = [line.split(None, 1)[1] for line in final if line.upper().startswith("USER ")]
    assert users, "the runtime stage has no USER"
    assert users[-1] not in ("root", "0"), "the runtime stage runs as root"
    assert any("COPY --from=" in line and "/opt/venv" in line for line in final)
    assert any("10001" in line for line in final if line.upper().startswith("RUN "))
    assert "EXPOSE 8080" in final
    assert final[-1] == 'CMD ["hromada-bot", "run"]'
    assert any(line.startswith("ENV PATH=/opt/venv/bin:$PATH") for line in final)

    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    for entry in (".venv", "var", ".git", "dist", ".env"):
        assert entry in ignored, f".dockerignore does not exclude {entry}"


def test_dev_py_uses_only_the_standard_library() -> None:
    tree = ast.parse((ROOT / "dev.py").read_text(encoding="utf-8"))
    modules = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module.split(".")[0])
    assert modules - {"__future__"} <= set(sys.stdlib_module_names), modules
    assert "requirements-dev.lock" in (ROOT / "dev.py").read_text(encoding="utf-8")


def test_dev_py_help_and_unknown_command() -> None:
    ok = subprocess.run([sys.executable, ROOT / "dev.py", "--help"], capture_output=True, text=True)
    assert ok.returncode == 0 and "dev.py test" in ok.stdout
    bad = subprocess.run([sys.executable, ROOT / "dev.py", "nope"], capture_output=True, text=True)
    assert bad.returncode == 2


def test_ci_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", ROOT / ".ci" / "run"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
