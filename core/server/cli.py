"""`xpaydesk-server`: init, serve, operator add|disable|list|reset|limits, backend add|revoke,
--demo (team mode to try: the server, and the desktops' profiles it prints), and totp (a demo
operator's current one-time code)."""

from __future__ import annotations

import argparse
import base64
import json
import os
import shlex
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.errors import ConfigError, XPayDeskError
from core.mirror.db import Mirror
from core.mirror.vault import vault_key
from core.profiles import load_profiles
from core.server import store
from core.server.config import ServerConfig, check_listen, load_config

if TYPE_CHECKING:
    from types import FrameType

    from core.demo import DemoWorld


def _mirror(config: ServerConfig) -> Mirror:
    """The store, its tables created, and every TOTP secret sealed with the profile's mirror
    key (plaintext rows from before are sealed here; a store sealed under another key is a
    clear error). The seal is installed for this process: the server's logins use it."""
    profile = load_profiles(config.profiles).get(config.profile)
    seal = store.TotpSeal(vault_key(profile))
    mirror = Mirror(profile.mirror_path)
    try:
        store.create_tables(mirror)
        store.seal_secrets(mirror, seal)
    except BaseException:
        mirror.close()
        raise
    store.install_seal(seal)
    return mirror


def _records(config: ServerConfig) -> Mirror:
    """The store for what needs no TOTP secret (list, disable, limits): its tables, no seal.
    An operator list or a disable works whatever mirror key this shell has (the secrets stay
    sealed and unread)."""
    profile = load_profiles(config.profiles).get(config.profile)
    mirror = Mirror(profile.mirror_path)
    try:
        store.create_tables(mirror)
    except BaseException:
        mirror.close()
        raise
    return mirror


STATE_WORDS = {False: ("启用", "Active"), True: ("已停用", "Disabled")}


def operator_table(rows: list[store.Operator], own: dict[str, dict[str, int]], lang: str) -> str:
    """`operator list` for a person: a header row, then one row per operator in the CLI's
    language (role and state as the glossary says them; `--json` keeps the codes)."""
    from core.vocabulary import word

    en = lang.startswith("en")
    header = (
        ("Name", "Role", "State", "Own limits") if en else ("名称", "角色", "状态", "自己的限额")
    )
    lines = ["\t".join(header)]
    for o in rows:
        state = STATE_WORDS[o.disabled][1 if en else 0]
        limits = _show_limits(own.get(o.name, {}))
        lines.append("\t".join((o.name, word("role", o.role, lang), state, limits)))
    if not rows:
        lines.append(
            "(no operators yet: xpaydesk-server operator add NAME --role ROLE)"
            if en
            else "（还没有操作员：xpaydesk-server operator add 名称 --role 角色）"
        )
    return "\n".join(lines)


def _limits(items: list[str] | None) -> dict[str, int]:
    """`--limit gift=500 --limit daily_gift=2000` as a dict, or a clear error."""
    found: dict[str, int] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not value.isdigit():
            raise store.OperatorError(
                f"--limit 的格式是 名称=非负整数（例如 gift=500），而不是 {item!r}",
                f"--limit takes NAME=non-negative integer (e.g. gift=500), not {item!r}",
            )
        found[key] = int(value)
    return store.check_limits(found)


def _show_limits(limits: dict[str, int]) -> str:
    return " ".join(f"{k}={v}" for k, v in sorted(limits.items())) or "-"


def _print_enrolment(enrolment: store.Enrolment, *, as_json: bool) -> None:
    if as_json:
        print(json.dumps(enrolment.as_dict(), ensure_ascii=False))
        return
    print(f"操作员 / operator: {enrolment.name} ({enrolment.role})")
    print(f"初始密码 / initial password: {enrolment.password}")
    print(f"TOTP 密钥 / secret: {enrolment.totp_secret}")
    print(f"TOTP 注册 / enrolment: {enrolment.otpauth_uri}")
    print("以上只显示这一次 / shown this once only")


def serve(
    config: ServerConfig,
    *,
    host: str | None = None,
    port: int | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> int:
    import uvicorn

    from core.server.app import create_app

    host = host or config.host
    port = config.port if port is None else port
    check_listen(config, host)
    profile = load_profiles(config.profiles).get(config.profile)
    vault_key(profile)  # a missing key store is said here, not as a traceback at startup
    with _mirror(config):
        pass
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP named: asyncio sets TCP_NODELAY on accepted sockets only when proto says TCP
    # (with proto 0, Nagle held each answer's body ~40 ms for the client's delayed ACK)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise XPayDeskError(
            f"无法监听 {host}:{port}：{exc.strerror}",
            f"cannot listen on {host}:{port}: {exc.strerror}",
        ) from None
    sock.listen(2048)  # a connection made once "ready" is printed waits for uvicorn's accept
    bound = sock.getsockname()[1]
    scheme = "https" if config.tls else "http"
    where = f"[{host}]" if ":" in host else host

    def ready() -> None:
        url = f"{scheme}://{where}:{bound}"
        print(f"xpaydesk-server ready on {url}", flush=True)
        if on_ready is not None:
            on_ready(url)

    app = create_app(config, on_ready=ready)

    class StoppingServer(uvicorn.Server):
        """A stop (SIGTERM, Ctrl+C) ends the desktops' event streams at once: they reconnect
        when the server is back. Left open, each held the stop for the graceful timeout and was
        then cancelled with a traceback in the log."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            app.state.stopping.set()
            super().handle_exit(sig, frame)

    server = StoppingServer(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,  # a request still running at a stop gets 5 s
            ssl_certfile=config.tls_certfile or None,
            ssl_keyfile=config.tls_keyfile or None,
        )
    )
    server.run(sockets=[sock])
    return 0


# The demo's operators: one of each role, and the desktop profile each one uses.
DEMO_OPERATORS = (
    ("demo-viewer", "viewer", "team-demo-viewer"),
    ("demo-support", "support", "team-demo"),
    ("demo-finance", "finance", "team-demo-finance"),
    ("demo-admin", "admin", "team-demo-admin"),
)
DEMO_CODES = "demo-totp.json"  # the demo operators' TOTP secrets, for `xpaydesk-server totp`
DEMO_DESKTOP = "desktop"  # the desktops' profiles.toml: team profiles, no merchant key


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def demo_code(name: str, folder: Path) -> str:
    """The current TOTP code of a demo operator, from the secrets the running demo wrote in its
    folder: what a phone authenticator would show, without one. Only for the demo."""
    import pyotp

    try:
        secrets = json.loads((folder / DEMO_CODES).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ConfigError(
            f"{folder} 不是正在运行的演示的文件夹（xpaydesk-server --demo 会打印它）",
            f"{folder} is not the folder of a running demo (xpaydesk-server --demo prints it)",
        ) from None
    secret = secrets.get(name) if isinstance(secrets, dict) else None
    if not isinstance(secret, str):
        names = ", ".join(sorted(secrets)) if isinstance(secrets, dict) else "-"
        raise ConfigError(
            f"演示中没有操作员 {name}（有：{names}）",
            f"the demo has no operator {name} (it has: {names})",
        )
    return str(pyotp.TOTP(secret).now())


def _desktop_profiles(url: str) -> str:
    lines = [
        "# xpaydesk-server --demo: the desktops' side (team profiles: no merchant key here)",
        'default_profile = "team-demo"',
    ]
    for name, _role, profile in DEMO_OPERATORS:
        lines += ["", f"[profiles.{profile}]", f'server = "{url}"', f'operator = "{name}"']
    return "\n".join(lines) + "\n"


def _demo_ready(world: DemoWorld, people: list[store.Enrolment], url: str) -> None:
    """Once the server listens: the desktops' profiles file, the simulated WeChat's pushes sent
    to this server, and what to run, printed."""
    desktop = world.folder / DEMO_DESKTOP
    desktop.mkdir(exist_ok=True)
    config = desktop / "profiles.toml"
    config.write_text(_desktop_profiles(url), encoding="utf-8")
    world.sim.config.push.url = f"{url}/wechat/push"  # payments, refunds... arrive live
    profile_of = {name: profile for name, _role, profile in DEMO_OPERATORS}
    cli = f"xpaydesk-cli --config {shlex.quote(str(config))} --profile team-demo"
    user = world.summary.users[0]
    server_toml = f"--config {shlex.quote(str(world.folder / 'server.toml'))}"
    say = [
        "",
        "团队模式演示（模拟微信，不涉及真实资金）/ team mode demo (simulated WeChat, no real money)",
        "演示操作员 / demo operators:",
        *(
            f"  {p.name} ({p.role}) password={p.password} totp_secret={p.totp_secret} "
            f"profile={profile_of[p.name]}"
            for p in people
        ),
        "手机验证器 App 的注册 / enrolment for a phone authenticator app:",
        *(f"  {p.otpauth_uri}" for p in people),
        "动态码（无需手机；每个码只能登录一次）/ a one-time code without a phone (each code logs in once):",
        f"  xpaydesk-server totp demo-support --demo-folder {shlex.quote(str(world.folder))}",
        "桌面（另开一个终端）/ the desktop (in another terminal):",
        f"  xpaydesk --config {shlex.quote(str(config))} --profile team-demo",
        f"  {cli} login",
        f"  {cli} whoami",
        f"  {cli} gift {user} 100 --order-id demo-gift-1 --note 'demo: a gift'",
        "  其他角色 / other roles: --profile team-demo-viewer | team-demo-finance | team-demo-admin",
        "需要第二人审批 / waits for a second person's approval: gift or deduct above 1000 coins, "
        "refund above 5000 fen (demo-finance or demo-admin approves on the Approvals page)",
        "实时推送：模拟小程序里的一次支付 / a live push: a payment in the simulated mini program:",
        f"  curl -s -X POST {world.sim.url}/sim/admin/pay -d "
        + shlex.quote(json.dumps({"openid": user, "coins": 600})),
        "管理操作员（另开一个终端）/ manage the operators (in another terminal):",
        f"  xpaydesk-server operator list {server_toml}",
        f"  xpaydesk-server operator add new-agent --role support {server_toml}",
        f"  xpaydesk-server operator disable demo-support {server_toml}",
        f"API: {url}/docs",
        "Ctrl+C 停止演示并删除其文件夹 / Ctrl+C stops the demo and removes its folder",
    ]
    print("\n".join(say), flush=True)


def demo(port: int) -> int:
    from core.demo import DEMO_PROFILE, start_demo

    print("正在准备演示数据… / preparing the demo data…", flush=True)
    # the demo's session keys are simulated: a key for this run only, as the desktop demo does
    generated = "XPAYDESK_MIRROR_KEY" not in os.environ
    os.environ.setdefault("XPAYDESK_MIRROR_KEY", base64.b64encode(os.urandom(32)).decode())
    world = start_demo()  # its folder goes when the demo stops, exits or is terminated
    try:
        if generated:
            # the demo's merchant profile carries its key (a simulator on this machine: the
            # loopback-only `mirror_key`), so `xpaydesk-server operator ... --config
            # <demo>/server.toml` works from another shell, as it prints
            with world.profile_path.open("a", encoding="utf-8") as profiles:
                profiles.write(f'mirror_key = "{os.environ["XPAYDESK_MIRROR_KEY"]}"\n')
        config_path = world.folder / "server.toml"
        config_path.write_text(
            '[server]\nhost = "127.0.0.1"\n\n'
            f'[merchant]\nprofiles = "profiles.toml"\nprofile = "{DEMO_PROFILE}"\n\n'
            "[approval]\ngift = 1000\ndeduct = 1000\nrefund = 5000\n",
            encoding="utf-8",
        )
        config = load_config(config_path)
        with _mirror(config) as mirror:
            people = [store.add_operator(mirror, name, role) for name, role, _ in DEMO_OPERATORS]
        _write_private(
            world.folder / DEMO_CODES,
            json.dumps({p.name: p.totp_secret for p in people}),
        )
        return serve(config, port=port, on_ready=lambda url: _demo_ready(world, people, url))
    finally:
        world.stop()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xpaydesk-server", description=__doc__)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="simulated WeChat, demo data, four demo operators and the desktops' profiles",
    )
    parser.add_argument("--port", type=int, default=None, help="with --demo (default 8750)")
    sub = parser.add_subparsers(dest="command")
    totp = sub.add_parser("totp", help="the current one-time code of a demo operator")
    totp.add_argument("name")
    totp.add_argument(
        "--demo-folder", type=Path, required=True, help="the folder xpaydesk-server --demo printed"
    )
    init = sub.add_parser("init", help="create or migrate the database")
    init.add_argument("--config", type=Path, default=Path("server.toml"))
    run = sub.add_parser("serve", help="serve the API")
    run.add_argument("--config", type=Path, default=Path("server.toml"))
    run.add_argument("--host", default=None)
    run.add_argument("--port", type=int, default=None)
    op = sub.add_parser("operator", help="manage operators")
    op_sub = op.add_subparsers(dest="op_command", required=True)
    add = op_sub.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=store.ROLES)
    add.add_argument("--json", action="store_true")
    limit_help = "NAME=N, a limit of core.operations.policy.Limits (repeatable); only ever stricter"
    add.add_argument("--limit", action="append", metavar="NAME=N", help=limit_help)
    own = op_sub.add_parser("limits", help="show or set an operator's own limits")
    own.add_argument("name")
    own.add_argument("--limit", action="append", metavar="NAME=N", help=limit_help)
    own.add_argument("--clear", action="store_true", help="remove their own limits first")
    own.add_argument("--json", action="store_true")
    for name in ("disable", "reset"):
        one = op_sub.add_parser(name)
        one.add_argument("name")
        one.add_argument("--json", action="store_true")
    backend = sub.add_parser("backend", help="tokens for the merchant's backend (session keys)")
    be_sub = backend.add_subparsers(dest="be_command", required=True)
    for name in ("add", "revoke"):
        one = be_sub.add_parser(name)
        one.add_argument("name")
        one.add_argument("--json", action="store_true")
        one.add_argument("--config", type=Path, default=Path("server.toml"))
    listing = op_sub.add_parser("list")
    listing.add_argument("--json", action="store_true")
    for p in (add, listing, own, *[op_sub.choices[n] for n in ("disable", "reset")]):
        p.add_argument("--config", type=Path, default=Path("server.toml"))
    return parser


def _run(args: argparse.Namespace) -> int:
    if args.demo:
        return demo(8750 if args.port is None else args.port)
    if args.command is None:
        _parser().print_help()
        return 2
    if args.command == "totp":
        print(demo_code(args.name, args.demo_folder))
        return 0
    config = load_config(args.config)
    if args.command == "init":
        with _mirror(config) as mirror:
            print(f"数据库已就绪 / database ready: {mirror.where} (schema {mirror.version})")
        return 0
    if args.command == "serve":
        return serve(config, host=args.host, port=args.port)
    if args.command == "backend":
        with _mirror(config) as mirror:
            if args.be_command == "add":
                token = store.add_backend_token(mirror, args.name)
                print(
                    json.dumps({"name": args.name, "token": token})
                    if args.json
                    else f"后端令牌 / backend token {args.name} (shown this once only): {token}"
                )
            else:
                store.revoke_backend_token(mirror, args.name)
                print(json.dumps({"name": args.name, "revoked": True}) if args.json else "revoked")
        return 0
    needs_seal = args.op_command in ("add", "reset")  # they write a new TOTP secret
    with _mirror(config) if needs_seal else _records(config) as mirror:
        if args.op_command == "add":
            enrolment = store.add_operator(mirror, args.name, args.role, limits=_limits(args.limit))
            _print_enrolment(enrolment, as_json=args.json)
        elif args.op_command == "limits":
            # without --limit or --clear: shows them (an unknown name is an error either way)
            limits = store.set_limits(mirror, args.name, _limits(args.limit), clear=args.clear)
            print(
                json.dumps({"name": args.name, "limits": limits})
                if args.json
                else f"{args.name}\t{_show_limits(limits)}"
            )
        elif args.op_command == "reset":
            _print_enrolment(store.reset_operator(mirror, args.name), as_json=args.json)
        elif args.op_command == "disable":
            ended = store.disable_operator(mirror, args.name)
            out: Any = {"name": args.name, "disabled": True, "sessions_ended": ended}
            print(
                json.dumps(out)
                if args.json
                else f"已停用 / disabled {args.name} ({ended} tokens ended)"
            )
        else:
            rows = store.list_operators(mirror)
            own = store.all_limits(mirror)
            if args.json:
                print(
                    json.dumps(
                        [
                            {
                                "name": o.name,
                                "role": o.role,
                                "disabled": o.disabled,
                                "limits": own.get(o.name, {}),
                            }
                            for o in rows
                        ]
                    )
                )
            else:
                from core.cli.output import default_lang

                print(operator_table(rows, own, default_lang()))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except XPayDeskError as exc:
        print(f"错误：{exc.message('zh_CN')}\nerror: {exc.message('en')}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
