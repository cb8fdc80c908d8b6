"""xpaydesk-cli decode: verify, decrypt and read a pasted push (the callback inspector)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from core.callbacks import CallbackError, CallbackKeys, decode, expected_reply
from core.cli.api_verbs import load_profile
from core.cli.output import Output
from core.connect import callback_keys
from core.errors import ConfigError
from core.mirror.db import Mirror
from core.mirror.pushes import save_push

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


def _keys(args: argparse.Namespace, out: Output) -> CallbackKeys:
    if args.token is not None and not args.save:
        return CallbackKeys(
            token=args.token,
            encoding_aes_key=args.aes_key,
            appid=args.appid,
            previous_encoding_aes_key=args.previous_aes_key,
        )
    return callback_keys(
        load_profile(args, out),
        token=args.token,
        aes_key=args.aes_key,
        previous_aes_key=args.previous_aes_key,
        appid=args.appid,
    )


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
    keys = _keys(args, out)
    body = _read_body(args)
    query = args.url or args.query or ""
    try:
        result = decode(query, body, keys=keys, method=args.method)
    except CallbackError as exc:
        if args.save:
            _save(args, out, query, body, error=exc)
        error = {"kind": exc.kind, "message": exc.message(out.lang)}
        out.result(
            {"verdict": "reject", "error": error},
            f"拒绝 REJECT [{exc.kind}]\n{exc.message(out.lang)}",
        )
        return 2
    if args.save:
        data_saved = _save(args, out, query, body, result=result)
    data = result.as_dict()
    if args.save:
        data["saved"] = data_saved
    data["reply"] = expected_reply(result, keys=keys, encrypt=args.encrypt_reply)
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


def _save(args: argparse.Namespace, out: Output, query: str, body: str, **outcome: Any) -> bool:
    profile = load_profile(args, out)
    with Mirror(profile.mirror_path) as mirror:
        added = save_push(mirror, query=query, body=body, **outcome)
    out.note(f"{'saved to' if added else 'already in'} the mirror {profile.mirror_path}")
    return added
