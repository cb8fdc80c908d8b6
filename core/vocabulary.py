"""One vocabulary: every code value an operator can meet (order kinds and statuses, refund, ledger
and intent states, audit actions and results, roles, limits, push modes, record sources, ...)
mapped to the words of the UI guide's glossary, in Chinese and English. The dashboard, the
exports and the CLI's human output all take their words from here; nothing shows a code value
as it is stored. Qt-free, so the exports use it too."""

from __future__ import annotations

import re
from typing import Final

Words = dict[str, tuple[str, str]]  # code -> (zh_CN, en)

ORDER_KIND: Final[Words] = {
    "coin": ("代币充值", "Coin top-up"),
    "item": ("道具直购", "Item purchase"),
}
# the product of an order: a coin top-up's product id is the code "coin"; an item's is its own id
PRODUCT: Final[Words] = {
    "coin": ("代币", "Coins"),
}
# query_order status (reference §2.2.1), as the guide's badges say it
ORDER_STATUS: Final[Words] = {
    "0": ("初始化", "Initialised"),
    "1": ("待支付", "Awaiting payment"),
    "2": ("已支付·待发货", "Paid, not delivered"),
    "3": ("发货中", "Delivering"),
    "4": ("已发货", "Delivered"),
    "5": ("已退款", "Refunded"),
    "6": ("已关闭", "Closed"),
    "7": ("退款失败", "Refund failed"),
    "8": ("用户退款完成", "User refund completed"),
    "9": ("广告金回收完成", "Ad funds recovered"),
    "10": ("分账回退完成", "Profit-sharing reversed"),
}
REFUND_STATUS: Final[Words] = {
    "started": ("已发起", "Started"),
    "refunding": ("退款中", "Refunding"),
    "refunded": ("已退款", "Refunded"),
    "failed": ("退款失败", "Refund failed"),
}
CLAWBACK: Final[Words] = {
    "not_needed": ("无需回收", "Not needed"),
    "due": ("待回收", "Due"),
    "needs_login": ("等待用户登录", "Needs user login"),
    "partly": ("部分回收", "Partly recovered"),
    "recovered": ("已回收", "Recovered"),
    "spent": ("无法回收（已消费）", "Unrecoverable (spent)"),
}
# ledger kinds and intent / audit actions: the glossary's verbs
ACTION: Final[Words] = {
    "gift": ("赠送代币", "Gift coins"),
    "deduct": ("扣减代币", "Deduct coins"),
    "cancel": ("撤销扣减", "Cancel deduction"),
    "cancel_deduction": ("撤销扣减", "Cancel deduction"),
    "refund": ("退款", "Refund"),
    "clawback": ("代币回收", "Coin clawback"),
    "deliver": ("发货", "Delivery"),
    "order": ("订单", "Order"),
    "push": ("推送", "Push"),
    "complaint_response": ("回复投诉", "Complaint answered"),
    "complaint_complete": ("完结投诉", "Complaint completed"),
    "bulk_gift": ("批量赠送代币", "Bulk gift coins"),
    "bulk_deduct": ("批量扣减代币", "Bulk deduct coins"),
    "probe": ("连接检查", "Connection check"),
    "audit": ("审计记录", "Audit entry"),
    # team mode: what the team server records besides money actions
    "approval_requested": ("提交审批", "Approval requested"),
    "approve": ("批准", "Approve"),
    "reject": ("驳回", "Reject"),
    "refused": ("已拒绝执行", "Refused"),
    "login": ("登录", "Log in"),
    "logout": ("退出登录", "Log out"),
    "login_failed": ("登录失败", "Login failed"),
    "login_throttled": ("登录受限", "Login throttled"),
    "export_report": ("导出报表", "Report exported"),
    "import": ("导入", "Import"),
    "save_push": ("保存推送", "Push saved"),
    "sign": ("计算签名", "Signature computed"),
    "relay_failed": ("推送转发失败", "Push relay failed"),
    "mirror_new": ("新建镜像", "New mirror"),
    "mirror_restore": ("恢复镜像", "Mirror restored"),
    "retry_clawback": ("重试代币回收", "Clawback retried"),
    "abandon": ("放弃操作", "Abandon"),
    "bulk": ("批量操作", "Bulk action"),
    "approvals": ("审批列表", "Approvals"),
}
# what a team server's role check refuses ("the viewer role may not use the audit log"):
# an endpoint as the API names it; an action not here is said in ACTION's words
ENDPOINT: Final[Words] = {
    "audit": ("审计日志", "the audit log"),
    "reconciliation": ("对账", "reconciliation"),
    "reports": ("对账报表", "reconciliation reports"),
    "approvals": ("审批", "approvals"),
    "balance": ("余额查询", "balance queries"),
    "bills": ("微信账单", "WeChat bills"),
    "bulk": ("批量操作", "bulk actions"),
    "clawbacks": ("代币回收", "coin clawbacks"),
    "complaints": ("投诉", "complaints"),
    "complaints/complete": ("完结投诉", "completing complaints"),
    "complaints/respond": ("回复投诉", "answering complaints"),
    "complaints/sync": ("同步投诉", "syncing complaints"),
    "deductions": ("扣减记录", "deductions"),
    "events": ("实时更新", "live updates"),
    "limits": ("限额", "limits"),
    "now": ("服务器时间", "the server clock"),
    "orders": ("订单", "orders"),
    "pending": ("待处理操作", "pending actions"),
    "policy": ("操作规则", "the action rules"),
    "refresh": ("从微信刷新", "refreshing from WeChat"),
    "refunds": ("退款", "refunds"),
    "resolve": ("处理待定操作", "resolving pending actions"),
    "abandon": ("放弃操作", "abandoning actions"),
    "search": ("搜索", "search"),
    "session-check": ("会话密钥检查", "session key checks"),
    "tools/connection-test": ("连接检查", "the connection check"),
    "tools/push-decoding": ("推送解码", "push decoding"),
    "tools/saved-pushes": ("保存推送", "saving pushes"),
    "tools/signature": ("签名计算", "the signature tool"),
    "users": ("用户查询", "user lookups"),
    "wait": ("等待结果", "waiting for results"),
    "wechat-orders": ("微信订单查询", "WeChat order queries"),
    "imports/orders": ("导入订单", "importing orders"),
    "imports/bill": ("导入微信账单", "importing WeChat bills"),
    "imports/pushes": ("导入推送", "importing pushes"),
    "imports/session-keys": ("导入会话密钥", "importing session keys"),
    "imports/session_keys": ("导入会话密钥", "importing session keys"),
    "approve": ("审批", "approving requests"),
    "reject": ("驳回", "rejecting requests"),
}
# ledger rows, intents and the outcome of an action
STATE: Final[Words] = {
    "pending": ("处理中", "Pending"),
    "prepared": ("待重试（同一单号）", "To be retried (same id)"),
    "sending": ("发送中", "Sending"),
    "done": ("已完成", "Done"),
    "failed": ("失败", "Failed"),
    "unknown": ("结果未知", "Outcome unknown"),
    "refunding": ("退款中", "Refunding"),
    "waiting_refund": ("等待退款完成", "Waiting for the refund"),
    "needs_login": ("等待用户登录", "Needs user login"),
    "abandoned": ("已放弃（未发送）", "Abandoned (never sent)"),
    "started": ("已发起", "Started"),
    "refunded": ("已退款", "Refunded"),
    # team mode: a money action above the server's threshold waits as a request instead
    "awaiting_approval": ("等待审批", "Waiting for approval"),
}
# four-eyes approvals (team mode): a request's state. "failed": approved, but the action was then
# refused (by the checks or by WeChat); the request's result says why, in both languages
APPROVAL_STATE: Final[Words] = {
    "awaiting_approval": ("等待审批", "Waiting for approval"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
    "expired": ("已过期", "Expired"),
    "failed": ("失败", "Failed"),
}
# what an approver does with a request
DECISION: Final[Words] = {
    "approve": ("批准", "Approve"),
    "reject": ("驳回", "Reject"),
}
AUDIT_RESULT: Final[Words] = {
    "intent": ("已登记，待发送", "Recorded before sending"),
    "ok": ("成功", "Succeeded"),
    "error": ("失败", "Failed"),
    "failed": ("失败", "Failed"),
    "unknown": ("结果未知", "Outcome unknown"),
    "abandoned": ("已放弃（未发送）", "Abandoned (never sent)"),
    "needs_login": ("等待用户登录", "Needs user login"),
    "prepared": ("待重试（同一单号）", "To be retried (same id)"),
    "waiting_refund": ("等待退款完成", "Waiting for the refund"),
    "refunding": ("退款中", "Refunding"),
    "awaiting_approval": ("等待审批", "Waiting for approval"),
    "approved": ("已批准", "Approved"),
    "rejected": ("已驳回", "Rejected"),
    "refused": ("已拒绝执行", "Refused"),
    "done": ("已完成", "Done"),
    "pending": ("处理中", "Pending"),
    "sending": ("发送中", "Sending"),
    "added": ("已添加", "Added"),
    "already there": ("已存在", "Already there"),
    "cancelled": ("已取消", "Cancelled"),
    "started": ("已发起", "Started"),
    "refunded": ("已退款", "Refunded"),
}
# why the team server refused a request (an audit row's "refused: <why>")
REFUSAL: Final[Words] = {
    "role": ("该角色无权执行", "not allowed for the role"),
    "own request": ("不能审批自己的请求", "one's own request"),
}
SESSION_KEY: Final[Words] = {
    "fresh": ("有效", "Fresh"),
    "stale": ("已过期", "Stale"),
    "unknown": ("未检查", "Not checked"),
    "missing": ("没有会话密钥", "No session key"),
}
ROLE: Final[Words] = {
    "viewer": ("只读", "Viewer"),
    "support": ("客服", "Support agent"),
    "finance": ("财务", "Finance"),
    "admin": ("管理员", "Administrator"),
}
ENV: Final[Words] = {
    "0": ("现网", "Production"),
    "1": ("沙箱", "Sandbox"),
    "production": ("现网", "Production"),
    "sandbox": ("沙箱", "Sandbox"),
}
LIMIT: Final[Words] = {
    "gift": ("单次赠送上限", "Gift per action"),
    "deduct": ("单次扣减上限", "Deduction per action"),
    "refund": ("单次退款上限", "Refund per action"),
    "daily_gift": ("每日赠送上限", "Gifts per day"),
    "daily_deduct": ("每日扣减上限", "Deductions per day"),
    "daily_refund": ("每日退款上限", "Refunds per day"),
    "bulk_rows": ("批量操作行数上限", "Rows per bulk batch"),
    "bulk_total": ("批量操作代币上限", "Coins per bulk batch"),
}
SECRET: Final[Words] = {
    "app_key": ("现网 AppKey", "Production AppKey"),
    "sandbox_app_key": ("沙箱 AppKey", "Sandbox AppKey"),
    "secret": ("AppSecret（小程序密钥）", "AppSecret"),
    "token": ("推送 Token", "Push Token"),
    "encoding_aes_key": ("推送 EncodingAESKey", "Push EncodingAESKey"),
    "previous_encoding_aes_key": ("上一个 EncodingAESKey", "Previous EncodingAESKey"),
    "session_key_token": ("会话密钥服务令牌", "Session key service token"),
}
SECRET_SOURCE: Final[Words] = {
    "env": ("环境变量", "environment"),
    "keyring": ("系统钥匙串", "OS keyring"),
    "file": ("配置文件", "profile file"),
    "given": ("直接给出", "given"),
}
# where a record in the mirror came from
SOURCE: Final[Words] = {
    "vk-pay": ("vk-pay 导出", "vk-pay export"),
    "uni-pay": ("uni-pay 导出", "uni-pay export"),
    "bill": ("微信账单", "WeChat bill"),
    "push": ("微信推送", "WeChat push"),
    "query_order": ("向微信查询", "Asked WeChat"),
    "desk": ("本工作台", "This desk"),
    "import": ("导入", "Import"),
    "test": ("测试", "Test"),
    "demo": ("演示数据", "Demo data"),
    # a pasted push older than the replay window: kept, but WeChat has not confirmed it
    "pasted": ("粘贴的推送（未经微信确认）", "Pasted push (unverified)"),
    # an order known only from a push that WeChat's query_order says does not exist
    "not_found": ("微信查无此单", "Not found at WeChat"),
}
PUSH_VERDICT: Final[Words] = {
    "accept": ("校验通过", "Genuine"),
    "reject": ("已拒绝", "Rejected"),
}
PUSH_MODE: Final[Words] = {
    "plaintext": ("明文模式", "plaintext mode"),
    "compatible": ("兼容模式", "compatible mode"),
    "safe": ("安全模式", "safe mode"),
    "json": ("JSON", "JSON"),
    "xml": ("XML", "XML"),
    "": ("URL 校验（GET）", "URL verification (GET)"),
}
PUSH_EVENT: Final[Words] = {
    "xpay_goods_deliver_notify": ("道具发货推送", "Item delivery push"),
    "xpay_coin_pay_notify": ("代币支付推送", "Coin top-up push"),
    "xpay_refund_notify": ("退款推送", "Refund push"),
    "xpay_complaint_notify": ("用户投诉推送", "User complaint push"),
    "xpay_subscribe_ios_refund_query_notify": ("iOS 退款问询", "iOS refund inquiry"),
    "xpay_wxpay_callback_notify": ("微信支付风控通知", "WeChat Pay risk notice"),
    "xpay_subscribe_signing_result_notify": ("订阅签约结果", "Subscription signing result"),
    "xpay_subscribe_pay_fail_notify": ("订阅扣款失败", "Subscription charge failed"),
    "xpay_apple_subscribe_signing_result_notify": (
        "苹果订阅签约结果",
        "Apple subscription signing",
    ),
}
PUSH_ERROR: Final[Words] = {
    "aes_key_length": ("EncodingAESKey 长度不对", "EncodingAESKey length"),
    "aes_key_charset": ("EncodingAESKey 含非法字符", "EncodingAESKey characters"),
    "missing_param": ("URL 参数不全", "URL parameters missing"),
    "missing_signature": ("缺少 msg_signature", "msg_signature missing"),
    "unsupported_encrypt_type": ("加密类型不支持", "Unsupported encryption type"),
    "query_duplicate_param": ("URL 参数重复", "Duplicate URL parameter"),
    "body_parse": ("消息体无法解析", "Body cannot be parsed"),
    "missing_encrypt": ("缺少 Encrypt 字段", "Encrypt field missing"),
    "signature_mismatch": ("签名不一致", "Signature mismatch"),
    "base64_invalid": ("密文不是 base64", "Ciphertext not base64"),
    "ciphertext_length": ("密文长度不对", "Ciphertext length"),
    "padding_invalid": ("解密填充无效", "Invalid padding"),
    "length_invalid": ("解密长度无效", "Invalid length"),
    "appid_mismatch": ("appid 不一致", "appid mismatch"),
    "utf8_invalid": ("不是 UTF-8 文本", "Not UTF-8 text"),
}
# why a user is on the Users page's "needs attention" list
ATTENTION: Final[Words] = {
    "complaint_open": ("投诉待处理", "Complaint open"),
    "outcome_unknown": ("操作结果未知", "Outcome unknown"),
    "needs_login": (
        "回收需要会话密钥（等待用户登录）",
        "Clawback needs the session key (user login)",
    ),
    "refund_in_flight": ("退款进行中", "Refund in flight"),
}
# the reconciliation's discrepancy details
DETAIL: Final[Words] = {
    "missing": ("本地没有这笔订单", "not in our records"),
}

# who is behind an audit row no person wrote (core.mirror.audit): the code stored, the word shown
SYSTEM_OPERATOR: Final[Words] = {
    "refund-follower": ("系统（退款跟踪）", "system (refund follower)"),
    "relay": ("系统（推送转发）", "system (push relay)"),
}
# an audit row's parameters: what each key is called (core.mirror.audit.describe_params)
PARAM: Final[Words] = {
    "wechat_id": ("单号", "Id"),
    "endpoint": ("操作", "Action"),
    "action": ("操作", "Action"),
    "approval": ("审批单", "Approval"),
    "requested_by": ("申请人", "Requested by"),
    "decision_reason": ("审批意见", "Decision reason"),
    "target": ("对象", "Target"),
    "openid": ("用户", "User"),
    "amount": ("数量", "Amount"),
    "reason": ("原因", "Reason"),
    "state": ("状态", "State"),
    "role": ("角色", "Role"),
    "session_key_source": ("会话密钥来源", "Session key source"),
    "attempt": ("第几次尝试", "Attempt"),
    "note": ("备注", "Note"),
    "order_id": ("商户订单号", "Merchant order id"),
    "pay_order_id": ("支付单号", "Payment order id"),
    "refund_order_id": ("退款单号", "Refund order id"),
    "refund_fee": ("退款金额", "Refund"),
    "left_fee": ("可退金额", "Refundable"),
    "paid_fee": ("支付金额", "Paid"),
    "refund_reason": ("微信退款原因", "WeChat refund reason"),
    "req_from": ("退款发起方", "Refund asked by"),
    "biz_meta": ("附加信息", "Merchant note"),
    "clawback": ("回收代币", "Clawback"),
    "due": ("应回收", "Due"),
    "clawback_coins": ("将回收代币", "Coins to claw back"),
    "refund_due": ("本次退款对应", "For this refund"),
    "granted": ("当初发放", "Granted"),
    "coins_basis": ("代币数依据", "Coins counted from"),
    "take": ("实际回收", "Taken"),
    "balance_before": ("回收前余额", "Balance before"),
    "started_by": ("发起人", "Started by"),
    "intent_id": ("操作编号", "Action no."),
    "remark": ("备注", "Remark"),
    "error": ("错误", "Error"),
    "complaint_id": ("投诉单号", "Complaint id"),
    "response_content": ("回复内容", "Answer"),
    "images": ("图片", "Images"),
    "file_ids": ("图片文件", "Image files"),
    "rows": ("行数", "Rows"),
    "total": ("合计", "Total"),
    "users": ("用户数", "Users"),
    "batch_id": ("批次号", "Batch id"),
    "rejected": ("拒绝", "Rejected"),
    "duplicates": ("重复行", "Duplicate rows"),
    "states": ("结果", "Results"),
    "results": ("逐行结果", "Row results"),
    "kind": ("类型", "Kind"),
    "file": ("文件", "File"),
    "bytes": ("字节数", "Bytes"),
    "added": ("新增", "Added"),
    "updated": ("更新", "Updated"),
    "unchanged": ("未变", "Unchanged"),
    "start": ("起", "From"),
    "end": ("止", "To"),
    "fmt": ("格式", "Format"),
    "address": ("地址", "Address"),
    "query": ("推送参数", "Push query"),
    "uri": ("请求地址", "Request URI"),
    "problem": ("问题", "Problem"),
    "was": ("原状态", "Was"),
    "moved_to": ("原文件移至", "Old file moved to"),
    "backup": ("备份文件", "Backup"),
}
# what a refund's WeChat reason and requester codes mean (reference: refund_order)
REFUND_REASON: Final[Words] = {
    "0": ("暂无描述", "No description"),
    "1": ("产品问题", "Product problem"),
    "2": ("售后问题", "After-sales problem"),
    "3": ("意愿问题", "User changed their mind"),
    "4": ("价格问题", "Price problem"),
    "5": ("其他原因", "Other"),
}
REQ_FROM: Final[Words] = {
    "1": ("人工客服退款", "Support agent"),
    "2": ("用户自己发起", "The user"),
    "3": ("其它", "Other"),
}
# where a clawback's number of granted coins came from
COINS_BASIS: Final[Words] = {
    "order": ("订单的代币数", "the order's coins"),
    "operator": ("操作员填写", "given by the operator"),
    "coin_rate": ("按支付金额折算", "the paid amount at the coin rate"),
}
# where the session key an action used came from
KEY_SOURCE: Final[Words] = {
    "mirror": ("本地保存", "kept locally"),
    "pasted": ("操作员粘贴", "pasted by the operator"),
    "backend": ("商户后台", "the merchant backend"),
}
# what an import read
IMPORT_KIND: Final[Words] = {
    "orders": ("订单", "orders"),
    "bill": ("微信账单", "WeChat bill"),
    "pushes": ("推送", "pushes"),
    "session-keys": ("会话密钥", "session keys"),
    "session_keys": ("会话密钥", "session keys"),
}
YES_NO: Final[Words] = {
    "true": ("是", "yes"),
    "false": ("否", "no"),
}

TABLES: Final[dict[str, Words]] = {
    "order_kind": ORDER_KIND,
    "product": PRODUCT,
    "order_status": ORDER_STATUS,
    "refund_status": REFUND_STATUS,
    "clawback": CLAWBACK,
    "action": ACTION,
    "state": STATE,
    "audit_result": AUDIT_RESULT,
    "approval_state": APPROVAL_STATE,
    "decision": DECISION,
    "refusal": REFUSAL,
    "endpoint": ENDPOINT,
    "session_key": SESSION_KEY,
    "role": ROLE,
    "env": ENV,
    "limit": LIMIT,
    "secret": SECRET,
    "secret_source": SECRET_SOURCE,
    "source": SOURCE,
    "push_verdict": PUSH_VERDICT,
    "push_mode": PUSH_MODE,
    "push_event": PUSH_EVENT,
    "push_error": PUSH_ERROR,
    "detail": DETAIL,
    "attention": ATTENTION,
    "system_operator": SYSTEM_OPERATOR,
    "param": PARAM,
    "refund_reason": REFUND_REASON,
    "req_from": REQ_FROM,
    "coins_basis": COINS_BASIS,
    "key_source": KEY_SOURCE,
    "import_kind": IMPORT_KIND,
    "yes_no": YES_NO,
}


def detail(text: str, lang: str = "zh_CN") -> str:
    """A reconciliation discrepancy's detail ("missing", "status 2", "order O1", "gift",
    "refund unknown") in words."""
    english = lang.startswith("en")
    head, _, rest = text.partition(" ")
    if text in DETAIL:
        return word("detail", text, lang)
    if head == "status" and rest.isdigit():
        status = word("order_status", rest, lang)
        return f"our status: {status}" if english else f"本地状态：{status}"
    if head == "order" and rest:
        return f"Order {rest}" if english else f"订单 {rest}"
    if head in ACTION:
        state = word("state", rest, lang) if rest else ""
        return " · ".join(x for x in (word("action", head, lang), state) if x)
    return text


_COUNTS = re.compile(r"[a-z_]+:\d+(,[a-z_]+:\d+)*")


def word(table: str, code: object, lang: str = "zh_CN") -> str:
    """The glossary word for a code value; a value the table lacks is shown as it is (so a new
    code is visible, and the vocabulary test names it)."""
    key = "" if code is None else str(code)
    if table == "detail" and key not in DETAIL:
        return detail(key, lang)
    pair = TABLES[table].get(key)
    if pair is None and table == "audit_result" and _COUNTS.fullmatch(key):
        # an approved bulk batch's rows by state ("done:2,failed:1"): 已完成 2，失败 1
        sep = ", " if lang.startswith("en") else "，"
        counted = (part.partition(":") for part in key.split(","))
        return sep.join(f"{word('state', state, lang)} {n}" for state, _, n in counted)
    if pair is None:
        head, colon, why = key.partition(": ")
        if colon and head in TABLES[table]:  # "failed: why" (an audit row's result): the word,
            why = word("refusal", why, lang) if why in REFUSAL else own_half(why, lang)
            return said_with(word(table, head, lang), why, lang)  # and why
        return key
    return pair[1] if lang.startswith("en") else pair[0]


def own_half(text: str, lang: str = "zh_CN") -> str:
    """`中文 / English` (as the team server records a reason): the half in `lang`; any other text
    as it is."""
    zh, sep, en = text.partition(" / ")
    if not sep or not zh.strip() or not en.strip():
        return text
    return en.strip() if lang.startswith("en") else zh.strip()


def said_with(said: str, why: str, lang: str = "zh_CN") -> str:
    """A state and its reason: `失败：原因` / `Failed: reason`."""
    if not why:
        return said
    return f"{said}: {why}" if lang.startswith("en") else f"{said}：{why}"


def both(table: str, code: object) -> str:
    """`中文 English`, for files both kinds of reader open (exports)."""
    zh, en = word(table, code, "zh_CN"), word(table, code, "en")
    return zh if zh == en else f"{zh} {en}"
