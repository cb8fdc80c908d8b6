"""Every way a pasted push can fail, named as in the vectors' `error_kinds`, with what to check."""

from __future__ import annotations

from typing import Final

from core.errors import XPayDeskError

#: kind -> (Chinese, English) for the support agent: what failed and what to check next.
EXPLANATIONS: Final[dict[str, tuple[str, str]]] = {
    "aes_key_length": (
        "EncodingAESKey 必须正好 43 个字符。检查复制时是否多了结尾的“=”、少了字符或带了空格。",
        "The EncodingAESKey must be exactly 43 characters. Check for a trailing '=', a missing "
        "character or spaces picked up when copying it.",
    ),
    "aes_key_charset": (
        "EncodingAESKey 含有非法字符（只能是字母和数字）。检查是否粘贴了别的字段。",
        "The EncodingAESKey contains characters other than letters and digits. Was another field "
        "pasted instead?",
    ),
    "missing_param": (
        "URL 参数缺少 timestamp、nonce 或 signature。请粘贴完整的回调 URL 或查询串。",
        "The query lacks timestamp, nonce or signature. Paste the whole callback URL or query "
        "string.",
    ),
    "missing_signature": (
        "这是加密消息，但 URL 中没有 msg_signature，无法证明它来自微信。请粘贴完整的查询串。",
        "The message is encrypted but the query has no msg_signature, so it cannot be proven to "
        "come from WeChat. Paste the full query string.",
    ),
    "unsupported_encrypt_type": (
        "encrypt_type 只能是 aes（或 raw 表示明文）。检查查询串是否被改动。",
        "encrypt_type must be aes (or raw for plaintext). Check that the query was not altered.",
    ),
    "query_duplicate_param": (
        "同一个 URL 参数出现了两次，无法判断哪个是真的。请重新复制原始 URL。",
        "A query parameter appears twice, so it is ambiguous. Copy the original URL again.",
    ),
    "body_parse": (
        "消息体既不是完整的 <xml> 文档也不是 JSON 对象。可能被日志截断或粘贴不完整。",
        "The body is neither a complete <xml> document nor a JSON object. The log viewer may have "
        "cut it, or the paste is incomplete.",
    ),
    "missing_encrypt": (
        "加密消息的消息体里没有 Encrypt 字段（注意大小写）。检查推送格式设置（JSON/XML）。",
        "The encrypted body has no 'Encrypt' field (case matters). Check the push format setting "
        "(JSON/XML).",
    ),
    "signature_mismatch": (
        "签名不一致：Token 不对、timestamp/nonce 被改动，或消息体在复制时变了（例如“+”变成了空格、"
        "被截断）。加密模式下要核对的是 msg_signature。",
        "Signature mismatch: wrong Token, altered timestamp/nonce, or the body changed when copied "
        "('+' turned into a space, truncated). In encrypted modes msg_signature is what counts.",
    ),
    "base64_invalid": (
        "Encrypt 不是标准 base64：可能少了字符、混入了换行或非法字符。",
        "Encrypt is not standard base64: a character is missing, or a line break or illegal "
        "character got in.",
    ),
    "ciphertext_length": (
        "密文长度不对（为空或不是 32 字节的整数倍），多半是被截断了。",
        "The ciphertext is empty or not a multiple of 32 bytes: most likely truncated.",
    ),
    "padding_invalid": (
        "解密后的填充无效：通常是 EncodingAESKey 不对（是否已在后台重置？），或密文被截断。",
        "Invalid padding after decryption: usually the wrong EncodingAESKey (was it reset in the "
        "console?) or a truncated ciphertext.",
    ),
    "length_invalid": (
        "解密后的长度字段不合理：密钥不对或数据损坏。",
        "The length field after decryption is impossible: wrong key or corrupted data.",
    ),
    "appid_mismatch": (
        "解密后末尾的 appid 与配置的不一致。检查配置的小程序 appid（第三方平台代收时应为平台的 appid）。",
        "The appid at the end of the decrypted message differs from the configured one. Check the "
        "mini program appid (a third-party platform receives its own platform appid).",
    ),
    "utf8_invalid": (
        "解密出的内容不是合法的 UTF-8 文本。",
        "The decrypted message is not valid UTF-8 text.",
    ),
}


class CallbackError(XPayDeskError):
    """A rejected push. `kind` is one of EXPLANATIONS; `detail` says exactly what was seen."""

    exit_code = 2

    def __init__(self, kind: str, detail: str = "") -> None:
        zh, en = EXPLANATIONS[kind]
        suffix_zh = f"（{detail}）" if detail else ""
        suffix_en = f" ({detail})" if detail else ""
        super().__init__(zh + suffix_zh, en + suffix_en)
        self.kind = kind
        self.detail = detail
