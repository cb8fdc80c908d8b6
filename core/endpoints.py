"""Which signatures each API sends, and how a failure of each is treated: one table (reference §1.4).

pay_sig goes everywhere (an unneeded pay_sig is harmless, a missing one is 268490003); the user
signature goes on the three user-state APIs. `mutating` calls change money or state at WeChat: a
timeout on them is "outcome unknown", never a silent retry.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    pay_sig: bool = True
    user_sig: bool = False
    mutating: bool = False
    has_env: bool = True
    duplicate_is_success: bool = False  # 268490004 means the earlier identical call succeeded

    @property
    def path(self) -> str:
        return f"/xpay/{self.name}"


_TABLE = (
    Endpoint("query_user_balance", user_sig=True),
    Endpoint("currency_pay", user_sig=True, mutating=True, duplicate_is_success=True),
    Endpoint("cancel_currency_pay", user_sig=True, mutating=True),
    Endpoint("present_currency", mutating=True, duplicate_is_success=True),
    Endpoint("query_order"),
    Endpoint("refund_order", mutating=True),
    Endpoint("notify_provide_goods", mutating=True),
    Endpoint("download_bill", has_env=False),
    Endpoint("start_download_order"),
    Endpoint("query_download_order"),
    Endpoint("query_biz_balance"),
    Endpoint("create_withdraw_order", mutating=True),
    Endpoint("query_withdraw_order"),
    Endpoint("start_upload_goods", mutating=True),
    Endpoint("query_upload_goods"),
    Endpoint("start_publish_goods", mutating=True),
    Endpoint("query_publish_goods"),
    Endpoint("get_complaint_list"),
    Endpoint("get_complaint_detail"),
    Endpoint("get_negotiation_history"),
    Endpoint("response_complaint", mutating=True),
    Endpoint("complete_complaint", mutating=True),
    Endpoint("upload_vp_file", mutating=True),
    Endpoint("get_upload_file_sign"),
)

ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in _TABLE}

USER_STATE_APIS = frozenset(e.name for e in _TABLE if e.user_sig)


def endpoint_table(*, without_pay_sig: frozenset[str] = frozenset()) -> dict[str, Endpoint]:
    """The table with pay_sig switched off for the named APIs, in case WeChat starts rejecting
    the extra parameter on the token-only pages (reference §12.1)."""
    unknown = without_pay_sig - ENDPOINTS.keys()
    if unknown:
        raise ValueError(f"unknown APIs: {sorted(unknown)}")
    return {
        n: replace(e, pay_sig=False) if n in without_pay_sig else e for n, e in ENDPOINTS.items()
    }
