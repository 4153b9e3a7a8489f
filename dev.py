#!/usr/bin/env python3
"""Set-up and everyday commands for this repository, on nothing but Python 3.11+ and git.

    python3 dev.py run [args]     run the bot (`hromada-bot run [args]`); with no BOT_TOKEN in
                                  the environment or in .env, the sandbox instead
                                  (`hromada-bot sandbox [args]`: the real bot, a built-in
                                  Telegram emulator and a web page at http://127.0.0.1:8080)
    python3 dev.py run sandbox [args]
                                  the sandbox even when a token is configured
    python3 dev.py test [args]    run the test suite (`python -m pytest [args]`)
    python3 dev.py lint           ruff check, ruff format --check, mypy
    python3 dev.py lock [args]    regenerate requirements.lock and requirements-dev.lock
                                  (args go to pip-compile, e.g. --upgrade)

Each command first makes sure `.venv/` exists and holds exactly the locked packages: it creates the
virtualenv when missing, and (re)installs when the lock files or pyproject.toml changed since the
last install (their digest is kept in `.venv/.installed-lock-sha256`). Installs use
`--require-hashes`, then `pip install --no-deps -e .`. Commands run from the repository root,
whatever the current directory. Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

MIN_PYTHON = (3, 11)
ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed-lock-sha256"
RUN_LOCK = ROOT / "requirements.lock"
DEV_LOCK = ROOT / "requirements-dev.lock"
PYPROJECT = ROOT / "pyproject.toml"
PYPI = "https://pypi.org/simple"
PIP_TOOLS = "pip-tools>=7.4"
# pip settings that would let a local mirror's paths or a machine's constraints into lock files.
LOCAL_PIP_ENV = (
    "PIP_FIND_LINKS",
    "PIP_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_CONSTRAINT",
    "PIP_NO_INDEX",
)
# Profiles: which lock file a command needs. "dev" includes everything "run" has.
PROFILES = {"run": RUN_LOCK, "dev": DEV_LOCK}


class CommandFailed(Exception):
    def __init__(self, returncode: int) -> None:
        super().__init__(returncode)
        self.returncode = returncode


def say(message: str) -> None:
    print(f"dev.py: {message}", flush=True)


def call(args: list[str | Path], env: dict[str, str] | None = None) -> None:
    """Run a command in the repository root; raise CommandFailed on a non-zero exit."""
    returncode = subprocess.call([str(arg) for arg in args], cwd=ROOT, env=env)
    if returncode != 0:
        raise CommandFailed(returncode)


def lock_digest() -> str:
    digest = hashlib.sha256()
    for path in (RUN_LOCK, DEV_LOCK, PYPROJECT):
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


def read_stamp() -> tuple[str, str] | None:
    try:
        profile, digest = STAMP.read_text(encoding="utf-8").split()
    except (OSError, ValueError):
        return None
    return profile, digest


def venv_works() -> bool:
    if not PYTHON.exists():
        return False
    try:
        probe = subprocess.run(
            [str(PYTHON), "-c", "import sys; print(sys.version_info >= (3, 11))"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return False
    return probe.returncode == 0 and probe.stdout.strip() == "True"


def create_venv() -> None:
    if VENV.exists():
        say(f"{VENV} is broken or too old: recreating it")
        import shutil

        shutil.rmtree(VENV)
    say(f"creating {VENV.relative_to(ROOT)}/ with Python {sys.version.split()[0]}")
    try:
        call([sys.executable, "-m", "venv", VENV])
    except CommandFailed:
        say("could not create the virtualenv (on Debian/Ubuntu: apt-get install python3-venv)")
        raise


def ensure_venv(profile: str) -> None:
    """Create `.venv` if needed and install the `profile` lock file when it is not current."""
    lock = PROFILES[profile]
    if not lock.exists():
        say(f"{lock.name} is missing: run `python3 dev.py lock` first")
        raise CommandFailed(2)
    if not venv_works():
        create_venv()
    digest = lock_digest()
    stamp = read_stamp()
    if stamp is not None and stamp[1] == digest and (stamp[0] == profile or stamp[0] == "dev"):
        return
    why = "first install" if stamp is None else "lock files changed"
    say(f"installing {lock.name} into .venv ({why}); this takes a minute or two")
    STAMP.unlink(missing_ok=True)  # an interrupted install must not look complete
    pip: list[str | Path] = [PYTHON, "-m", "pip", "--disable-pip-version-check"]
    say("upgrading pip")
    call([*pip, "install", "--quiet", "--upgrade", "pip"])
    say(f"installing locked packages from {lock.name}")
    call([*pip, "install", "--quiet", "--require-hashes", "-r", lock])
    say("installing this project (editable)")
    call([*pip, "install", "--quiet", "--no-deps", "-e", ROOT])
    STAMP.write_text(f"{profile} {digest}\n", encoding="utf-8")
    say("environment ready")


def execute(args: list[str | Path]) -> int:
    """Replace this process with `args` (POSIX), so signals and the exit code are the child's."""
    argv = [str(arg) for arg in args]
    sys.stdout.flush()
    sys.stderr.flush()
    os.chdir(ROOT)
    if os.name == "posix":
        os.execv(argv[0], argv)
    return subprocess.call(argv)


def dotenv_value(path: Path, name: str) -> str | None:
    """`name`'s value in a .env file (KEY=VALUE lines, `export`, comments, optional quotes), as
    far as needed to see whether it is set; None when the file or the line is missing."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    found = None
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        key = key.strip().removeprefix("export ").strip()
        if key.upper() != name.upper():  # the settings ignore case
            continue
        value = value.strip()
        if value[:1] in ("'", '"') and value.count(value[0]) >= 2:
            value = value[1 : value.index(value[0], 1)]
        else:
            value = value.split(" #", 1)[0].strip()
        found = value  # the last line wins, as in the settings
    return found


def token_configured(environ: Mapping[str, str], dotenv: Path) -> bool:
    """Whether the bot would find a BOT_TOKEN: the environment first, then .env."""
    for key, value in environ.items():
        if key.upper() == "BOT_TOKEN":
            return bool(value.strip())
    return bool((dotenv_value(dotenv, "BOT_TOKEN") or "").strip())


def cmd_run(args: list[str]) -> int:
    if args[:1] == ["sandbox"]:
        command = ["sandbox", *args[1:]]
    elif not token_configured(os.environ, ROOT / ".env"):
        say(
            "no BOT_TOKEN configured (environment or .env): starting the sandbox instead "
            "(its options: python3 dev.py run sandbox --help; connecting a real bot: README.md)"
        )
        command = ["sandbox", *args]
    else:
        command = ["run", *args]
    ensure_venv("run")
    return execute([BIN / "hromada-bot", *command])


def cmd_test(args: list[str]) -> int:
    ensure_venv("dev")
    return execute([PYTHON, "-m", "pytest", *args])


def cmd_lint(args: list[str]) -> int:
    ensure_venv("dev")
    checks: list[tuple[str, list[str | Path]]] = [
        ("ruff check", [BIN / "ruff", "check", ".", *args]),
        ("ruff format --check", [BIN / "ruff", "format", "--check", "."]),
        ("mypy", [BIN / "mypy"]),
    ]
    failed = []
    for name, command in checks:
        say(name)
        try:
            call(command)
        except CommandFailed:
            failed.append(name)
    if failed:
        say("failed: " + ", ".join(failed))
        return 1
    say("lint passed")
    return 0


def cmd_lock(args: list[str]) -> int:
    if not venv_works():
        create_venv()
    if not (BIN / "pip-compile").exists():
        say(f"installing {PIP_TOOLS} into .venv")
        call([PYTHON, "-m", "pip", "install", "--quiet", PIP_TOOLS])
    # Resolve against PyPI alone: ignore pip config files and local mirrors, so the lock files
    # hold only PyPI hashes and no paths of this machine.
    env = {k: v for k, v in os.environ.items() if k not in LOCAL_PIP_ENV}
    env["PIP_CONFIG_FILE"] = os.devnull
    common: list[str | Path] = [
        BIN / "pip-compile",
        "--quiet",
        "--generate-hashes",
        "--strip-extras",
        "--allow-unsafe",
        "--no-emit-index-url",
        "--no-emit-find-links",
        f"--index-url={PYPI}",
        *args,
    ]
    say(f"compiling {RUN_LOCK.name}")
    call([*common, f"--output-file={RUN_LOCK.name}", PYPROJECT.name], env=env)
    say(f"compiling {DEV_LOCK.name} (constrained by {RUN_LOCK.name})")
    call(
        [
            *common,
            "--extra=dev",
            f"--constraint={RUN_LOCK.name}",
            f"--output-file={DEV_LOCK.name}",
            PYPROJECT.name,
        ],
        env=env,
    )
    say("lock files written; the next run/test reinstalls .venv from them")
    return 0


COMMANDS = {"run": cmd_run, "test": cmd_test, "lint": cmd_lint, "lock": cmd_lock}


def main(argv: list[str]) -> int:
    if sys.version_info < MIN_PYTHON:
        print(f"dev.py needs Python {'.'.join(map(str, MIN_PYTHON))}+", file=sys.stderr)
        return 2
    if not argv or argv[0] not in COMMANDS:
        print(__doc__, file=sys.stderr if argv and argv[0] not in ("-h", "--help") else sys.stdout)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except CommandFailed as failure:
        say(f"failed (exit code {failure.returncode})")
        return failure.returncode
    except KeyboardInterrupt:
        say("interrupted")
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
