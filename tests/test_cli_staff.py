"""`hromada-bot admin revoke` and `admin list`, as an operator uses them."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.services.staff import StaffService
from storage.db import Database
from storage.models import AuditEvent
from tests.test_cli import run_cli, workdir  # noqa: F401 - the fixture is used by name


def audit_actions(path: Path) -> list[tuple[str, int | None, dict[str, object] | None]]:
    async def read() -> list[tuple[str, int | None, dict[str, object] | None]]:
        db = Database.from_url(f"sqlite+aiosqlite:///{path}")
        try:
            async with db.transaction() as session:
                rows = await session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                return [(e.action, e.actor_id, e.before) for e in rows]
        finally:
            await db.close()

    return asyncio.run(read())


def test_admin_revoke_staff_and_admin(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert run_cli("admin", "grant", "123", "staff", "vag") == 0
    assert run_cli("admin", "grant", "123", "staff", "aotg") == 0
    assert run_cli("admin", "grant", "7", "admin") == 0
    capsys.readouterr()

    assert run_cli("admin", "revoke", "123", "staff", "vag") == 0
    out = capsys.readouterr().out
    assert "User 123 is no longer staff of vag." in out
    assert "They still are: staff of aotg." in out
    assert "BOT_TOKEN is not set here" in out

    assert run_cli("admin", "revoke", "123", "staff", "vag") == 1
    assert "User 123 is not staff of vag; nothing changed." in capsys.readouterr().err
    assert run_cli("admin", "revoke", "123", "staff", "nope") == 2
    assert "No association has the code 'nope'." in capsys.readouterr().err
    assert run_cli("admin", "revoke", "123", "staff") == 2
    assert "add its code" in capsys.readouterr().err

    assert run_cli("admin", "revoke", "7", "admin") == 0
    assert "User 7 is no longer admin." in capsys.readouterr().out
    revoked = [a for a in audit_actions(workdir / "bot.sqlite3") if a[0] == "staff.revoked"]
    assert [
        (actor, before and before["role"], before and before["association"])
        for _, actor, before in revoked
    ] == [(None, "staff", "vag"), (None, "admin", None)]


def test_an_admin_ids_admin_is_not_revoked_from_the_database(
    workdir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "55")
    assert run_cli("admin", "revoke", "55", "admin") == 3
    err = capsys.readouterr().err
    assert "admin through the ADMIN_IDS setting" in err and "remove them from ADMIN_IDS" in err


def test_admin_list_shows_rights_origins_and_working_invites(
    workdir: Path,  # noqa: F811
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ADMIN_IDS", "55")
    assert run_cli("admin", "grant", "123", "staff", "vag") == 0
    assert run_cli("admin", "list") == 0  # the database exists from here on

    async def invite() -> None:
        db = Database.from_url(os.environ["DATABASE_URL"])
        try:
            staff = StaffService(db, frozenset({55}))
            await staff.create_invite(55, "uaror")
            used = await staff.create_invite(55, "aotg")
            await staff.redeem_invite(used.token, 321)
        finally:
            await db.close()

    asyncio.run(invite())
    capsys.readouterr()
    assert run_cli("admin", "list") == 0
    out = capsys.readouterr().out
    assert "Rights (3), times in Europe/Kyiv:" in out
    assert "  55: admin, from ADMIN_IDS (revoke by editing the setting)" in out
    assert "  123: staff of vag, since " in out and "granted by the command line" in out
    assert "  321: staff of aotg, since " in out and "granted by 55" in out
    assert "Invite links still working (1):" in out
    assert "for staff of uaror, created by 55 on " in out and ", expires " in out
