"""xpaydesk-cli decode: verify, decrypt and read a pasted push (the callback inspector)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.callbacks import CallbackError, CallbackKeys, DecodeResult, decode, expected_reply
from core.cli.desks import CliDesk, run_desk
from core.cli.output import Output
from core.errors import ConfigError

Verbs = Any


def register(verbs: Verbs, common: argparse.ArgumentParser) -> None:
    p: argparse.ArgumentParser = verbs.add_parser(
        "decode", parents=[common], help="verify, decrypt and read a pasted message push"
    )
    source = p.add_mutually_exclusive_group()
    source.add_argument("--query", help="the query string (or a server log line holding it)")
    source.add_argument("--url", help="the full callback URL")
    p.add_argument("--body-file", type=Path, help="the POST body (default: stdin)")
    p.add_argument("--method", choices=["GET", "POST"], help="default: GET when echostr is present")
    p.add_argument("--token", help="push Token (default: the profile's)")
    p.add_argument("--aes-key", help="EncodingAESKey (default: the profile's)")
    p.add_argument("--previous-aes-key", help="the EncodingAESKey before the last rotation")
    p.add_argument("--appid", help="expected receiver appid (default: the profile's)")
    p.add_argument(
        "--encrypt-reply",
        action="store_true",
        help="show the acknowledgement encrypted (safe mode)",
    )
    p.add_argument(
        "--save",
        action="store_true",
        help="save the push (accepted or not) into the profile's mirror",
    )
    p.set_defaults(run=cmd_decode)


def _pasted_keys(args: argparse.Namespace) -> CallbackKeys | None:
    """Keys pasted on the command line (--token …) decode without the profile or a desk; None
    when the profile's keys are needed (or the push is to be saved into its mirror)."""
    if args.token is not None and not args.save:
        return CallbackKeys(
            token=args.token,
            encoding_aes_key=args.aes_key,
            appid=args.appid,
            previous_encoding_aes_key=args.previous_aes_key,
        )
    return None


def _overrides(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "token": args.token,
        "aes_key": args.aes_key,
        "previous_aes_key": args.previous_aes_key,
        "appid": args.appid,
    }


def _read_body(args: argparse.Namespace) -> str:
    try:
        if args.body_file is not None:
            raw: bytes = args.body_file.read_bytes()
            return raw.decode("utf-8")
        return "" if sys.stdin.isatty() else str(sys.stdin.read())
    except OSError as exc:
        raise ConfigError(
            f"无法读取 {args.body_file}：{exc.strerror}",
            f"cannot read {args.body_file}: {exc.strerror}",
        ) from None
    except UnicodeDecodeError:
        raise ConfigError("消息体不是 UTF-8 文本", "the body is not UTF-8 text") from None


def cmd_decode(args: argparse.Namespace, out: Output) -> int:
    keys = _pasted_keys(args)
    body = _read_body(args)
    query = args.url or args.query or ""
    if keys is not None:  # the operator's own keys: checked here, no desk
        try:
            result = decode(query, body, keys=keys, method=args.method)
        except CallbackError as exc:
            return _rejected(out, exc)
        reply = expected_reply(result, keys=keys, encrypt=args.encrypt_reply)
        return _accepted(out, result, reply, None)

    async def action(desk: CliDesk) -> int:
        found, error, reply = desk.decode_push(
            query, body, method=args.method, encrypt_reply=args.encrypt_reply, **_overrides(args)
        )
        saved = None
        if args.save:
            saved = desk.save_push(query, body, method=args.method, **_overrides(args))
            out.note(f"{'saved to' if saved else 'already in'} the mirror {desk.store_where}")
        if found is None:
            assert error is not None
            return _rejected(out, error)
        return _accepted(out, found, reply, saved)

    return run_desk(args, out, action)


def _rejected(out: Output, exc: CallbackError) -> int:
    error = {"kind": exc.kind, "message": exc.message(out.lang)}
    out.result(
        {"verdict": "reject", "error": error},
        f"拒绝 REJECT [{exc.kind}]\n{exc.message(out.lang)}",
    )
    return 2


def _accepted(out: Output, result: DecodeResult, reply: str, saved: bool | None) -> int:
    data = result.as_dict()
    if saved is not None:
        data["saved"] = saved
    data["reply"] = reply
    lines = [f"接受 ACCEPT · mode {result.mode} · format {result.format or '-'}"]
    if result.echo is not None:
        lines.append(f"echo: {result.echo}")
    if result.key_used == "previous":
        lines.append("decrypted with the PREVIOUS EncodingAESKey (rotation in progress)")
    if result.event is not None:
        lines.append(f"event: {result.event.event} ({result.event.title(out.lang)})")
        lines += [f"  {k}: {v}" for k, v in result.event.links.items()]
        if result.event.amount_fen is not None:
            lines.append(f"  amount_fen: {result.event.amount_fen}")
    if result.message is not None:
        lines += ["message:", result.message]
    lines += ["expected reply:", data["reply"]]
    out.result(data, "\n".join(lines))
    return 0
