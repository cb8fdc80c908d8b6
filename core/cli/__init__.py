"""xpaydesk-cli: the scriptable face of the core. Every verb module registers its own subcommands.

Exit codes: core.cli.exits (listed by --help and in the README).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from core import __version__
from core.cli import (
    api_verbs,
    approvals_verb,
    complaints_verb,
    decode_verb,
    exits,
    mirror_admin,
    mirror_verbs,
    ops_verbs,
    reconcile_verb,
    session_verbs,
    simulator_verb,
)
from core.cli.desks import exit_code
from core.cli.output import Output, default_lang
from core.errors import XPayDeskError, XPayError
from core.mirror.health import is_corruption
from core.store.errors import DATABASE_ERRORS

VERB_MODULES = (
    api_verbs,
    ops_verbs,
    decode_verb,
    simulator_verb,
    mirror_verbs,
    mirror_admin,
    reconcile_verb,
    complaints_verb,
    session_verbs,
    approvals_verb,
)


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--config", default=default, help="profiles TOML file")
    parser.add_argument("--profile", default=default, help="profile name")
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="machine-readable output on stdout",
    )
    parser.add_argument(
        "--lang",
        default=argparse.SUPPRESS if suppress else None,
        choices=["zh_CN", "en"],
        help="language of messages (default: the system's, as the desktop app; else zh_CN)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="xpaydesk-cli",
        description="XPay Desk 虚拟支付工作台 command line",
        epilog=exits.epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"xpaydesk {__version__}")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    verbs = parser.add_subparsers(dest="verb", required=True, metavar="VERB")
    for module in VERB_MODULES:
        module.register(verbs, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.lang = args.lang or default_lang()
    out = Output(json_mode=args.json, lang=args.lang)
    try:
        code: int = args.run(args, out)
        return code
    except XPayDeskError as exc:
        errcode = exc.errcode if isinstance(exc, XPayError) else getattr(exc, "errcode", None)
        out.error(exc.kind, exc.message(args.lang), errcode=errcode)
        return exit_code(exc)  # the same on a solo and a team profile
    except KeyboardInterrupt:
        out.error("interrupted", "已中断 / interrupted")
        return exits.INTERRUPTED
    except DATABASE_ERRORS as exc:  # damage found after the mirror opened: said, not raised
        out.error(
            "mirror_damaged" if is_corruption(exc) else "database",
            f"镜像数据库出错：{exc}；请运行 xpaydesk-cli mirror check"
            if not args.lang.startswith("en")
            else f"mirror database error: {exc}; run xpaydesk-cli mirror check",
        )
        return 2


def dump_json(data: object) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
