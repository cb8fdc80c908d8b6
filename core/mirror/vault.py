"""Session keys at rest: AES-GCM with a 256-bit key that lives in the OS keyring (never in the
database). A session key lets anyone deduct the user's coins, so it is never shown or logged in
full: `mask()` is what operators see."""

from __future__ import annotations

import base64
import os

import keyring
import keyring.errors
from Crypto.Cipher import AES

from core.errors import ConfigError
from core.mirror.db import Mirror
from core.profiles import KEYRING_SERVICE, Profile
from core.secret import Secret


def mask(session_key: str) -> str:
    return f"{session_key[:4]}…({len(session_key)})" if session_key else "—"


def vault_key(profile: str | Profile, *, environ: dict[str, str] | None = None) -> bytes:
    """The profile's mirror key: from XPAYDESK_MIRROR_KEY, else (a simulator profile only) its
    `mirror_key`, else the keyring (created once)."""
    env = os.environ if environ is None else environ
    given = env.get("XPAYDESK_MIRROR_KEY")
    if isinstance(profile, Profile):
        if not given and profile.mirror_key:  # checked at load: loopback only, 32 bytes
            return base64.b64decode(profile.mirror_key.reveal())
        profile = profile.name
    if given:
        key = base64.b64decode(given)
        if len(key) != 32:
            raise ConfigError(
                "XPAYDESK_MIRROR_KEY 须为 32 字节的 base64",
                "XPAYDESK_MIRROR_KEY must be 32 bytes, base64-encoded",
            )
        return key
    name = f"{profile}/mirror_key"
    try:
        stored = keyring.get_password(KEYRING_SERVICE, name)
        if stored is None:
            stored = base64.b64encode(os.urandom(32)).decode()
            keyring.set_password(KEYRING_SERVICE, name, stored)
    except keyring.errors.KeyringError:
        raise ConfigError(
            "系统钥匙串不可用，无法加密保存会话密钥；请设置 XPAYDESK_MIRROR_KEY",
            "the OS keyring is not available, so session keys cannot be stored encrypted; set "
            "XPAYDESK_MIRROR_KEY",
        ) from None
    return base64.b64decode(stored)


class SessionKeyVault:
    def __init__(self, mirror: Mirror, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("AES-256 needs a 32-byte key")
        self._mirror = mirror
        self._key = key

    def __repr__(self) -> str:
        return "SessionKeyVault(***)"

    def _aad(self, openid: str) -> bytes:
        # binds a ciphertext to its row: a key copied to another openid does not decrypt
        return f"xpaydesk-session-key:{openid}".encode()

    def store(
        self, openid: str, session_key: Secret | str, *, obtained_at: int, source: str
    ) -> bool:
        """True when stored; an older key never replaces a newer one."""
        text = session_key.reveal() if isinstance(session_key, Secret) else session_key
        nonce = os.urandom(12)
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=nonce)
        cipher.update(self._aad(openid))
        sealed, tag = cipher.encrypt_and_digest(text.encode())
        with self._mirror.transaction() as conn:
            current = conn.execute(
                "SELECT obtained_at FROM session_keys WHERE openid = ?", (openid,)
            ).fetchone()
            if current is not None and current["obtained_at"] > obtained_at:
                return False
            conn.execute(
                "INSERT INTO session_keys (openid, nonce, ciphertext, obtained_at, source) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT(openid) DO UPDATE SET nonce = excluded.nonce,"
                " ciphertext = excluded.ciphertext, obtained_at = excluded.obtained_at, "
                "source = excluded.source, checked_at = 0, check_result = 'unknown'",
                (openid, nonce, sealed + tag, obtained_at, source),
            )
        return True

    def load(self, openid: str) -> Secret | None:
        row = self._mirror.one(
            "SELECT nonce, ciphertext FROM session_keys WHERE openid = ?", openid
        )
        if row is None:
            return None
        blob = bytes(row["ciphertext"])
        cipher = AES.new(self._key, AES.MODE_GCM, nonce=bytes(row["nonce"]))
        cipher.update(self._aad(openid))
        try:
            return Secret(cipher.decrypt_and_verify(blob[:-16], blob[-16:]).decode())
        except ValueError:
            raise ConfigError(
                f"{openid} 的会话密钥无法解密（镜像密钥不同或数据被改动）",
                f"the session key of {openid} does not decrypt (another mirror "
                "key, or the row was altered)",
            ) from None

    def record_check(self, openid: str, *, fresh: bool) -> None:
        # every lookup writes this: blind, one row, so it never waits for the writer lock
        self._mirror.write_alone(
            "UPDATE session_keys SET checked_at = ?, check_result = ? WHERE openid = ?",
            self._mirror.now(),
            "fresh" if fresh else "stale",
            openid,
        )

    def state(self, openid: str) -> dict[str, object]:
        """What the user card shows: never the key itself."""
        row = self._mirror.one(
            "SELECT obtained_at, checked_at, check_result, source FROM "
            "session_keys WHERE openid = ?",
            openid,
        )
        if row is None:
            return {"state": "unknown", "obtained_at": 0, "checked_at": 0, "source": ""}
        return {
            "state": row["check_result"],
            "obtained_at": row["obtained_at"],
            "checked_at": row["checked_at"],
            "source": row["source"],
        }
