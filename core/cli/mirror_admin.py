"""Mirror file verbs: `mirror check`, `mirror new --force`, `mirror restore BACKUP`: the operator's
decisions when the mirror file is missing, empty or damaged (core/mirror/health.py)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from core.cli.desks import local_profile
from core.cli.output import Output
from core.errors import ConfigError
from core.mirror import health
from core.mirror.audit import AuditLog
from core.mirror.copy import copy_mirror
from core.mirror.db import Mirror
from core.mirror.schema import MIGRATIONS
from core.store.dialect import is_postgres_url

Verbs = Any


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p = verbs.add_parser(
        "mirror",
        parents=[common],
        help="check, replace, restore or copy this computer's mirror (local: solo profiles only; "
        "a team profile's records are on the team server)",
    )
    sub = p.add_subparsers(dest="mirror_verb", required=True)
    check = sub.add_parser(
        "check", parents=[common], help="check the mirror file (PRAGMA quick_check; local)"
    )
    check.set_defaults(run=cmd_check)
    new = sub.add_parser(
        "new",
        parents=[common],
        help="start a new, empty mirror in place of a missing or damaged one (local)",
    )
    new.add_argument(
        "--force", action="store_true", help="do it (the old file is moved aside, not deleted)"
    )
    new.set_defaults(run=cmd_new)
    restore = sub.add_parser(
        "restore", parents=[common], help="put a backup copy of the mirror in place (local)"
    )
    restore.add_argument("backup", type=Path)
    restore.add_argument(
        "--force", action="store_true", help="do it (the current file is moved aside)"
    )
    restore.set_defaults(run=cmd_restore)
    copy = sub.add_parser(
        "copy",
        parents=[common],
        help="copy this (SQLite) mirror into an empty PostgreSQL database, audit chain included "
        "(local)",
    )
    copy.add_argument("--to", required=True, metavar="postgresql://…", help="the target database")
    copy.set_defaults(run=cmd_copy)


def _file(profile: Any) -> Path:
    """The mirror's file: these verbs look after a SQLite file; a PostgreSQL mirror is checked,
    backed up and restored with PostgreSQL's own tools."""
    target = profile.mirror_path
    if isinstance(target, str) and is_postgres_url(target):
        raise ConfigError(
            "这个配置的镜像在 PostgreSQL 上：请用 PostgreSQL 自己的工具（pg_dump、pg_restore）检查、"
            "备份和恢复",
            "this profile's mirror is on PostgreSQL: check, back it up and restore it with "
            "PostgreSQL's own tools (pg_dump, pg_restore)",
        )
    return Path(target)


def _lines(report: health.Health) -> list[str]:
    return [f"mirror {report.path}: {report.state}"] + [f"  {p}" for p in report.problems[:20]]


def cmd_check(args: argparse.Namespace, out: Output) -> int:
    path = _file(local_profile(args, out, "mirror check"))
    report = health.check(path)
    out.result(report.as_dict(), "\n".join(_lines(report)))
    return 0 if report.ok else 2


def cmd_new(args: argparse.Namespace, out: Output) -> int:
    profile = local_profile(args, out, "mirror new")
    path = _file(profile)
    if not args.force:
        report = health.check(path)
        out.result(
            {**report.as_dict(), "done": False},
            "\n".join(
                [
                    *_lines(report),
                    "nothing changed: add --force to move this file aside and start a new, "
                    "empty mirror / 未作更改：加 --force 将此文件移到一旁并新建空镜像",
                ]
            ),
        )
        return 2
    report, moved = health.start_new(path, MIGRATIONS)
    _audit(profile, "mirror_new", {"was": report.state, "moved_to": str(moved or "")})
    out.result(
        {**report.as_dict(), "done": True, "moved_to": str(moved) if moved else None},
        f"new mirror {path}" + (f"; the old file is kept as {moved}" if moved else ""),
    )
    return 0


def cmd_restore(args: argparse.Namespace, out: Output) -> int:
    profile = local_profile(args, out, "mirror restore")
    path = _file(profile)
    if not args.force:
        out.result(
            {"path": str(path), "backup": str(args.backup), "done": False},
            f"nothing changed: add --force to put {args.backup} in place of {path} (the current "
            "file is moved aside) / 未作更改：加 --force 执行",
        )
        return 2
    report, moved = health.restore(path, args.backup, MIGRATIONS)
    _audit(
        profile,
        "mirror_restore",
        {"backup": str(args.backup), "was": report.state, "moved_to": str(moved or "")},
    )
    out.result(
        {**report.as_dict(), "done": True, "moved_to": str(moved) if moved else None},
        f"restored {args.backup} to {path}"
        + (f"; the old file is kept as {moved}" if moved else ""),
    )
    return 0


def cmd_copy(args: argparse.Namespace, out: Output) -> int:
    profile = local_profile(args, out, "mirror copy")
    if not is_postgres_url(args.to):
        raise ConfigError(
            f"--to 需要 postgresql:// 开头的地址：{args.to}",
            f"--to needs a postgresql:// URL: {args.to}",
        )
    with Mirror(_file(profile)) as source, Mirror(args.to) as target:
        report = copy_mirror(
            source, target, progress=lambda table, n: out.note(f"{table}: {n} rows")
        )
        where = target.where
    chain = report.audit
    ok = chain is not None and chain.ok
    human = [f"copied to {where}:"] + [f"  {t}: {n}" for t, n in report.rows.items()]
    human.append(
        f"audit chain intact on the copy: {chain.rows} rows"
        if ok and chain is not None
        else "AUDIT CHAIN BROKEN on the copy: " + "; ".join(chain.problems if chain else ())
    )
    out.result({"to": where, **report.as_dict()}, "\n".join(human))
    return 0 if ok else 1


def _audit(profile: Any, action: str, params: dict[str, str]) -> None:
    """The decision is the first thing the mirror's audit log says after it."""
    with Mirror(profile.mirror_path) as mirror:
        AuditLog(
            mirror, operator=profile.operator, profile=profile.name, env=int(profile.env)
        ).append(action, params, result="ok")
