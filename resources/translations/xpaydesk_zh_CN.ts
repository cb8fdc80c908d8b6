<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
  <context>
    <name>XPayDesk</name>
    <message>
      <source>{n} pending operations resolved at start</source>
      <translation>启动时已处理 {n} 个未完成的操作</translation>
    </message>
    <message>
      <source>{n} operations are still running; switch when they have finished.</source>
      <translation>还有 {n} 个操作在进行中，请等它们完成后再切换。</translation>
    </message>
    <message>
      <source>Done</source>
      <translation>完成</translation>
    </message>
    <message>
      <source>Refund started; it is followed until it ends, then the coins come back</source>
      <translation>退款已发起；工作台会跟踪到退款完成，随后自动回收代币</translation>
    </message>
    <message>
      <source>Waiting for the refund</source>
      <translation>等待退款完成</translation>
    </message>
    <message>
      <source>Outcome unknown: nothing was retried with a new id. Resolve it from the pending list.</source>
      <translation>结果未知：没有用新单号重试。请在待处理列表中处理。</translation>
    </message>
    <message>
      <source>Failed</source>
      <translation>失败</translation>
    </message>
    <message>
      <source>Waiting for the user to log in</source>
      <translation>等待用户登录</translation>
    </message>
    <message>
      <source>WeChat was busy; it will be retried with the same id</source>
      <translation>微信繁忙，将用同一单号重试</translation>
    </message>
    <message>
      <source>Likely cause: the session key is not this user's latest one (a pasted key, or one from before the user last opened the mini program), or this profile's AppKey does not match its environment. Leave the session key empty to use the stored one, or check the request in the Signature debugger.</source>
      <translation>可能原因：会话密钥不是该用户最新的（粘贴的密钥，或用户上次打开小程序之前的密钥），或本配置的 AppKey 与环境不符。会话密钥留空即使用已存的密钥，或在“签名调试”中检查该请求。</translation>
    </message>
    <message>
      <source>Likely cause: the user's session key has expired. It works again once the user opens the mini program.</source>
      <translation>可能原因：用户的会话密钥已过期。用户重新打开小程序后即可恢复。</translation>
    </message>
    <message>
      <source>Likely cause: another refund of this order changed what is refundable. The dialog now shows the new amount.</source>
      <translation>可能原因：该订单的另一笔退款改变了可退金额。对话框已显示新的可退金额。</translation>
    </message>
    <message>
      <source>Gift coins</source>
      <translation>赠送代币</translation>
    </message>
    <message>
      <source>Confirm gift of {amount}</source>
      <translation>确认赠送 {amount}</translation>
    </message>
    <message>
      <source>Deduct coins</source>
      <translation>扣减代币</translation>
    </message>
    <message>
      <source>Confirm deduction of {amount}</source>
      <translation>确认扣减 {amount}</translation>
    </message>
    <message>
      <source>Cancel deduction</source>
      <translation>撤销扣减</translation>
    </message>
    <message>
      <source>Confirm cancelling {amount}</source>
      <translation>确认撤销 {amount}</translation>
    </message>
    <message>
      <source>Refund order</source>
      <translation>订单退款</translation>
    </message>
    <message>
      <source>Confirm refund of {amount}</source>
      <translation>确认退款 {amount}</translation>
    </message>
    <message>
      <source>Mark delivered</source>
      <translation>标记已发货</translation>
    </message>
    <message>
      <source>Confirm delivery</source>
      <translation>确认发货</translation>
    </message>
    <message>
      <source>Coin clawback</source>
      <translation>代币回收</translation>
    </message>
    <message>
      <source>Confirm clawback of {amount}</source>
      <translation>确认回收 {amount}</translation>
    </message>
    <message>
      <source>No description</source>
      <translation>暂无描述</translation>
    </message>
    <message>
      <source>Product problem</source>
      <translation>产品问题</translation>
    </message>
    <message>
      <source>After-sales problem</source>
      <translation>售后问题</translation>
    </message>
    <message>
      <source>User changed their mind</source>
      <translation>意愿问题（用户主动退款）</translation>
    </message>
    <message>
      <source>Price problem</source>
      <translation>价格问题</translation>
    </message>
    <message>
      <source>Other</source>
      <translation>其他原因</translation>
    </message>
    <message>
      <source>Coins</source>
      <translation>代币</translation>
    </message>
    <message>
      <source>Refund amount</source>
      <translation>退款金额</translation>
    </message>
    <message>
      <source>Amount problem</source>
      <translation>金额问题</translation>
    </message>
    <message>
      <source>Order</source>
      <translation>订单</translation>
    </message>
    <message>
      <source>Choose the order to refund</source>
      <translation>选择要退款的订单</translation>
    </message>
    <message>
      <source>Deduction</source>
      <translation>扣减</translation>
    </message>
    <message>
      <source>WeChat refund reason</source>
      <translation>微信退款原因</translation>
    </message>
    <message>
      <source>Also take back the refunded coins (clawback)</source>
      <translation>同时回收退款对应的代币（代币回收）</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>原因</translation>
    </message>
    <message>
      <source>Required: why (kept in the audit log)</source>
      <translation>必填：原因（记入审计日志）</translation>
    </message>
    <message>
      <source>Reason problem</source>
      <translation>原因问题</translation>
    </message>
    <message>
      <source>Optional: paste a session key for this action</source>
      <translation>可选：为本次操作粘贴会话密钥</translation>
    </message>
    <message>
      <source>Session key</source>
      <translation>会话密钥</translation>
    </message>
    <message>
      <source>Why confirm is disabled</source>
      <translation>无法确认的原因</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>取消</translation>
    </message>
    <message>
      <source>Enter a number of coins.</source>
      <translation>请输入代币数量。</translation>
    </message>
    <message>
      <source>A reason is required.</source>
      <translation>必须填写原因。</translation>
    </message>
    <message>
      <source>An item purchase: no coins to take back.</source>
      <translation>道具直购订单：没有代币可回收。</translation>
    </message>
    <message>
      <source>This user has no deduction to cancel.</source>
      <translation>该用户没有可撤销的扣减。</translation>
    </message>
    <message>
      <source>Already delivered</source>
      <translation>已发货</translation>
    </message>
    <message>
      <source>Nothing to deliver: this order is “{status}”.</source>
      <translation>无需发货：该订单状态为“{status}”。</translation>
    </message>
    <message>
      <source>Session key problem</source>
      <translation>会话密钥问题</translation>
    </message>
    <message>
      <source>Whole coins only: “{typed}” is not a number of coins.</source>
      <translation>代币只能是整数：“{typed}”不是代币数量。</translation>
    </message>
    <message>
      <source>More than the {took} this deduction took.</source>
      <translation>超过了该扣减扣走的 {took}。</translation>
    </message>
    <message>
      <source>At most the {took} this deduction took</source>
      <translation>最多为该扣减扣走的 {took}</translation>
    </message>
    <message>
      <source>The pasted session key is malformed: WeChat's are 24 characters of base64. Copy it again, or leave it empty to use the stored key.</source>
      <translation>粘贴的会话密钥格式不对：微信的会话密钥是 24 个字符的 base64。请重新复制，或留空以使用已保存的密钥。</translation>
    </message>
    <message>
      <source>The user's balance is unknown (no usable session key stored).</source>
      <translation>用户余额未知（没有可用的已存会话密钥）。</translation>
    </message>
    <message>
      <source>Choose the order to refund.</source>
      <translation>请选择要退款的订单。</translation>
    </message>
    <message>
      <source>A clawback takes back what a refund gave: no coin limit applies.</source>
      <translation>代币回收只收回退款对应的代币：不受代币限额约束。</translation>
    </message>
    <message>
      <source>Tell WeChat that order {order} has been delivered; the order becomes “Delivered”. No money moves.</source>
      <translation>通知微信订单 {order} 已发货；订单变为“已发货”。不涉及资金变动。</translation>
    </message>
    <message>
      <source>Refund {amount} to the user.</source>
      <translation>向用户退款 {amount}。</translation>
    </message>
    <message>
      <source>Order {order} marked as delivered</source>
      <translation>订单 {order} 已标记为已发货</translation>
    </message>
    <message>
      <source>Press the button again to do it anyway.</source>
      <translation>如确需再次操作，请再按一次按钮。</translation>
    </message>
    <message>
      <source>paid {amount}</source>
      <translation>实付 {amount}</translation>
    </message>
    <message>
      <source>refundable {amount}</source>
      <translation>可退 {amount}</translation>
    </message>
    <message>
      <source>This user has no refundable order.</source>
      <translation>该用户没有可退款的订单。</translation>
    </message>
    <message>
      <source>Balance {before} → {after}</source>
      <translation>余额 {before} → {after}</translation>
    </message>
    <message>
      <source>Your limit per action: {limit}</source>
      <translation>单笔限额：{limit}</translation>
    </message>
    <message>
      <source>left today: {left}</source>
      <translation>今日剩余：{left}</translation>
    </message>
    <message>
      <source>Take back {coins} from the user (the refunded share of the order's coins).</source>
      <translation>从用户处回收 {coins}（订单代币中已退款的部分）。</translation>
    </message>
    <message>
      <source>At most {left} of this order can be refunded.</source>
      <translation>该订单最多可退 {left}。</translation>
    </message>
    <message>
      <source>Then take back {coins} (the refunded share, rounded up), once the refund has gone through.</source>
      <translation>退款成功后回收 {coins}（按退款比例，向上取整）。</translation>
    </message>
    <message>
      <source>Refund</source>
      <translation>退款</translation>
    </message>
    <message>
      <source>Coins due {due} · taken {taken} · outstanding {left}</source>
      <translation>应回收 {due} · 已回收 {taken} · 未回收 {left}</translation>
    </message>
    <message>
      <source>Enter an amount more than ¥0.</source>
      <translation>请输入大于 ¥0 的金额。</translation>
    </message>
    <message>
      <source>No coins are outstanding.</source>
      <translation>没有未回收的代币。</translation>
    </message>
    <message>
      <source>{left} stay outstanding (already spent).</source>
      <translation>{left} 仍未回收（已被消费）。</translation>
    </message>
    <message>
      <source>Order {order} · refunded {fee}</source>
      <translation>订单 {order} · 已退款 {fee}</translation>
    </message>
    <message>
      <source>More than the refundable {left} of this order.</source>
      <translation>超过该订单的可退金额 {left}。</translation>
    </message>
    <message>
      <source>Users</source>
      <translation>用户</translation>
    </message>
    <message>
      <source>vk-pay / uni-pay order export</source>
      <translation>vk-pay / uni-pay 订单导出</translation>
    </message>
    <message>
      <source>WeChat bill or order export</source>
      <translation>微信账单或订单导出</translation>
    </message>
    <message>
      <source>Saved pushes (folder or JSON lines)</source>
      <translation>保存的推送（文件夹或 JSON 行）</translation>
    </message>
    <message>
      <source>Session keys (CSV or JSON lines)</source>
      <translation>会话密钥（CSV 或 JSON 行）</translation>
    </message>
    <message>
      <source>about {seconds} s left</source>
      <translation>约剩 {seconds} 秒</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>导入</translation>
    </message>
    <message>
      <source>Files</source>
      <translation>文件</translation>
    </message>
    <message>
      <source>Kind of file</source>
      <translation>文件类型</translation>
    </message>
    <message>
      <source>Import progress</source>
      <translation>导入进度</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>关闭</translation>
    </message>
    <message>
      <source>Writing: {done} of {total} rows</source>
      <translation>正在写入：{done} / {total} 行</translation>
    </message>
    <message>
      <source>Reading: {rows} rows</source>
      <translation>正在读取：{rows} 行</translation>
    </message>
    <message>
      <source>{name}: {added} added, {updated} updated, {unchanged} unchanged, {rejected} rejected</source>
      <translation>{name}：新增 {added}，更新 {updated}，未变 {unchanged}，拒绝 {rejected}</translation>
    </message>
    <message>
      <source>line</source>
      <translation>行</translation>
    </message>
    <message>
      <source>{more} more rejected rows</source>
      <translation>另有 {more} 行被拒绝</translation>
    </message>
    <message>
      <source>#</source>
      <translation>#</translation>
    </message>
    <message>
      <source>Action</source>
      <translation>操作</translation>
    </message>
    <message>
      <source>Id sent to WeChat</source>
      <translation>发给微信的单号</translation>
    </message>
    <message>
      <source>openid</source>
      <translation>openid</translation>
    </message>
    <message>
      <source>Yuan or coins</source>
      <translation>金额或代币</translation>
    </message>
    <message>
      <source>State</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>信息</translation>
    </message>
    <message>
      <source>Orders</source>
      <translation>订单</translation>
    </message>
    <message>
      <source>Refunds &amp; clawbacks</source>
      <translation>退款与回收</translation>
    </message>
    <message>
      <source>Reconciliation</source>
      <translation>对账</translation>
    </message>
    <message>
      <source>Callback inspector</source>
      <translation>回调解析</translation>
    </message>
    <message>
      <source>Signature debugger</source>
      <translation>签名调试</translation>
    </message>
    <message>
      <source>Audit log</source>
      <translation>审计日志</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>设置</translation>
    </message>
    <message>
      <source>Complaints</source>
      <translation>用户投诉</translation>
    </message>
    <message>
      <source>Pending operations</source>
      <translation>待处理操作</translation>
    </message>
    <message>
      <source>Resolve now</source>
      <translation>立即处理</translation>
    </message>
    <message>
      <source>Why abandon the selected operation (kept in the audit log)</source>
      <translation>放弃所选操作的原因（记入审计日志）</translation>
    </message>
    <message>
      <source>Note</source>
      <translation>备注</translation>
    </message>
    <message>
      <source>Abandon (never sent to WeChat)</source>
      <translation>放弃（从未发送到微信）</translation>
    </message>
    <message>
      <source>Navigation</source>
      <translation>导航</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>就绪</translation>
    </message>
    <message>
      <source>Profile</source>
      <translation>配置</translation>
    </message>
    <message>
      <source>No profile</source>
      <translation>无配置</translation>
    </message>
    <message>
      <source>Profile: choosing another reopens the window on it</source>
      <translation>配置：选择其他配置会以它重新打开窗口</translation>
    </message>
    <message>
      <source>Search openid, order id, WeChat order id, refund id… (Ctrl+K)</source>
      <translation>搜索 openid、商户订单号、微信订单号、退款单号…（Ctrl+K）</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>搜索</translation>
    </message>
    <message>
      <source>Matches</source>
      <translation>一致</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>文件(&amp;F)</translation>
    </message>
    <message>
      <source>Import…</source>
      <translation>导入…</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>退出</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>帮助(&amp;H)</translation>
    </message>
    <message>
      <source>Open log folder</source>
      <translation>打开日志文件夹</translation>
    </message>
    <message>
      <source>About XPay Desk</source>
      <translation>关于虚拟支付工作台</translation>
    </message>
    <message>
      <source>User</source>
      <translation>用户</translation>
    </message>
    <message>
      <source>Coin record</source>
      <translation>代币记录</translation>
    </message>
    <message>
      <source>Abandoned: nothing was sent to WeChat.</source>
      <translation>已放弃：没有向微信发送任何请求。</translation>
    </message>
    <message>
      <source>XPay Desk</source>
      <translation>虚拟支付工作台 XPay Desk</translation>
    </message>
    <message>
      <source>Demo</source>
      <translation>演示</translation>
    </message>
    <message>
      <source>Operations console for WeChat Mini Program virtual payment.</source>
      <translation>微信小程序虚拟支付运营工作台。</translation>
    </message>
    <message>
      <source>Open complaints: {n}</source>
      <translation>待处理投诉：{n}</translation>
    </message>
    <message>
      <source>DEMO MODE — simulated WeChat, no real money</source>
      <translation>演示模式 — 模拟的微信，不涉及真实资金</translation>
    </message>
    <message>
      <source>Sandbox</source>
      <translation>沙箱</translation>
    </message>
    <message>
      <source>Production</source>
      <translation>现网</translation>
    </message>
    <message>
      <source>Operator</source>
      <translation>操作员</translation>
    </message>
    <message>
      <source>Profile {name} ready</source>
      <translation>配置 {name} 已就绪</translation>
    </message>
    <message>
      <source>Pending: {n}</source>
      <translation>待处理：{n}</translation>
    </message>
    <message>
      <source>{ops} operations not finished, {complaints} open complaints</source>
      <translation>{ops} 个操作未完成，{complaints} 条投诉待处理</translation>
    </message>
    <message>
      <source>Unexpected error (details in the log): </source>
      <translation>意外错误（详见日志）：</translation>
    </message>
    <message>
      <source>Create or fix a profile below, or start with --demo to try XPay Desk.</source>
      <translation>请在下方新建或修正配置，或以 --demo 启动体验 XPay Desk。</translation>
    </message>
    <message>
      <source>No profile open: </source>
      <translation>未打开配置：</translation>
    </message>
    <message>
      <source>DEMO</source>
      <translation>演示</translation>
    </message>
    <message>
      <source>SANDBOX — test environment</source>
      <translation>沙箱 — 测试环境</translation>
    </message>
    <message>
      <source>Nothing found for {term}</source>
      <translation>未找到 {term}</translation>
    </message>
    <message>
      <source>Could not refresh complaints: </source>
      <translation>无法刷新投诉：</translation>
    </message>
    <message>
      <source>Merchant order id</source>
      <translation>商户订单号</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>类型</translation>
    </message>
    <message>
      <source>Coins or items</source>
      <translation>代币或道具数量</translation>
    </message>
    <message>
      <source>Paid</source>
      <translation>实付</translation>
    </message>
    <message>
      <source>Refundable</source>
      <translation>可退</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>状态</translation>
    </message>
    <message>
      <source>Created</source>
      <translation>创建</translation>
    </message>
    <message>
      <source>Paid at</source>
      <translation>支付时间</translation>
    </message>
    <message>
      <source>WeChat order id</source>
      <translation>微信订单号</translation>
    </message>
    <message>
      <source>Channel order id</source>
      <translation>渠道单号</translation>
    </message>
    <message>
      <source>WeChat Pay id</source>
      <translation>微信支付单号</translation>
    </message>
    <message>
      <source>Source</source>
      <translation>来源</translation>
    </message>
    <message>
      <source>Environment</source>
      <translation>环境</translation>
    </message>
    <message>
      <source>When</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Result</source>
      <translation>结果</translation>
    </message>
    <message>
      <source>errcode</source>
      <translation>错误码</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>详情</translation>
    </message>
    <message>
      <source>Concerns</source>
      <translation>涉及</translation>
    </message>
    <message>
      <source>Attempt</source>
      <translation>第几次尝试</translation>
    </message>
    <message>
      <source>Error</source>
      <translation>错误</translation>
    </message>
    <message>
      <source>Filter by openid</source>
      <translation>按 openid 筛选</translation>
    </message>
    <message>
      <source>Filter by action</source>
      <translation>按操作筛选</translation>
    </message>
    <message>
      <source>All actions</source>
      <translation>全部操作</translation>
    </message>
    <message>
      <source>Verify chain</source>
      <translation>校验哈希链</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>导出 CSV…</translation>
    </message>
    <message>
      <source>Export audit log</source>
      <translation>导出审计日志</translation>
    </message>
    <message>
      <source>Each row's hash covers the one before it: an edited, deleted or reordered row breaks the chain. A guard against accidents on one desktop, not access control.</source>
      <translation>每一行的哈希都覆盖上一行：被修改、删除或调换顺序的记录会使链断开。这是防止单机误操作的护栏，不是权限控制。</translation>
    </message>
    <message>
      <source>Chain intact: {n} rows</source>
      <translation>哈希链完整：{n} 行</translation>
    </message>
    <message>
      <source>The chain is broken:</source>
      <translation>哈希链已断开：</translation>
    </message>
    <message>
      <source>{n} rows exported</source>
      <translation>已导出 {n} 行</translation>
    </message>
    <message>
      <source>Paste the callback URL, its query string, or a server log line</source>
      <translation>粘贴回调 URL、查询串或服务器日志行</translation>
    </message>
    <message>
      <source>Callback URL or query</source>
      <translation>回调 URL 或查询串</translation>
    </message>
    <message>
      <source>Paste the POST body (JSON or XML); empty for a GET URL verification</source>
      <translation>粘贴 POST 消息体（JSON 或 XML）；GET 验证 URL 时留空</translation>
    </message>
    <message>
      <source>Body</source>
      <translation>消息体</translation>
    </message>
    <message>
      <source>Verify and decode</source>
      <translation>校验并解密</translation>
    </message>
    <message>
      <source>Save to mirror</source>
      <translation>保存到本地镜像</translation>
    </message>
    <message>
      <source>Event</source>
      <translation>事件</translation>
    </message>
    <message>
      <source>Decrypted text</source>
      <translation>解密文本</translation>
    </message>
    <message>
      <source>Expected reply</source>
      <translation>应答内容</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>值</translation>
    </message>
    <message>
      <source>Meaning</source>
      <translation>含义</translation>
    </message>
    <message>
      <source>Checks run in WeChat's order: query, EncodingAESKey, body, msg_signature, Encrypt, signature, base64, length, padding, msg_len, appid, UTF-8. The profile's Token, key and appid are used.</source>
      <translation>按微信的顺序校验：查询串、EncodingAESKey、消息体、msg_signature、Encrypt、签名、base64、长度、填充、msg_len、appid、UTF-8。使用当前配置的 Token、密钥和 appid。</translation>
    </message>
    <message>
      <source>Decrypted with the previous EncodingAESKey: a key rotation is in progress.</source>
      <translation>使用上一个 EncodingAESKey 解密：密钥正在轮换。</translation>
    </message>
    <message>
      <source>Push saved to the mirror</source>
      <translation>推送已保存到本地镜像</translation>
    </message>
    <message>
      <source>This push was already in the mirror</source>
      <translation>该推送已在本地镜像中</translation>
    </message>
    <message>
      <source>System message</source>
      <translation>系统消息</translation>
    </message>
    <message>
      <source>Images (*.png *.jpg *.jpeg *.bmp)</source>
      <translation>图片 (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
    <message>
      <source>Time left</source>
      <translation>剩余时间</translation>
    </message>
    <message>
      <source>Problem</source>
      <translation>问题类型</translation>
    </message>
    <message>
      <source>Amount paid</source>
      <translation>实付金额</translation>
    </message>
    <message>
      <source>Complained</source>
      <translation>投诉时间</translation>
    </message>
    <message>
      <source>What the user wrote</source>
      <translation>用户描述</translation>
    </message>
    <message>
      <source>Awaiting first answer</source>
      <translation>待处理</translation>
    </message>
    <message>
      <source>In progress</source>
      <translation>处理中</translation>
    </message>
    <message>
      <source>Complete</source>
      <translation>已处理完成</translation>
    </message>
    <message>
      <source>Refund requested</source>
      <translation>申请退款</translation>
    </message>
    <message>
      <source>Benefit not working</source>
      <translation>服务权益未生效</translation>
    </message>
    <message>
      <source>Trusted user (fast refund)</source>
      <translation>可信用户（可极速退款）</translation>
    </message>
    <message>
      <source>High-risk complaint</source>
      <translation>高风险投诉</translation>
    </message>
    <message>
      <source>User complained</source>
      <translation>用户发起投诉</translation>
    </message>
    <message>
      <source>User complained again</source>
      <translation>用户继续投诉</translation>
    </message>
    <message>
      <source>User replied</source>
      <translation>用户留言</translation>
    </message>
    <message>
      <source>WeChat Pay replied</source>
      <translation>微信支付平台回复</translation>
    </message>
    <message>
      <source>We answered</source>
      <translation>商户回复</translation>
    </message>
    <message>
      <source>We marked it complete</source>
      <translation>商户标记处理完成</translation>
    </message>
    <message>
      <source>User withdrew the complaint</source>
      <translation>用户撤销投诉</translation>
    </message>
    <message>
      <source>User confirmed it is solved</source>
      <translation>用户确认问题已解决</translation>
    </message>
    <message>
      <source>WeChat Pay asked to help</source>
      <translation>平台介入协助</translation>
    </message>
    <message>
      <source>User asked WeChat Pay for help</source>
      <translation>用户申请平台协助</translation>
    </message>
    <message>
      <source>We approved a refund</source>
      <translation>商户同意退款</translation>
    </message>
    <message>
      <source>We refused a refund</source>
      <translation>商户拒绝退款</translation>
    </message>
    <message>
      <source>User rated the handling</source>
      <translation>用户提交满意度评价</translation>
    </message>
    <message>
      <source>Fully refunded</source>
      <translation>已全额退款</translation>
    </message>
    <message>
      <source>Partly refunded</source>
      <translation>已部分退款</translation>
    </message>
    <message>
      <source>The user received the refund</source>
      <translation>用户已收到退款</translation>
    </message>
    <message>
      <source>{h} h {m} min left</source>
      <translation>还剩 {h} 小时 {m} 分</translation>
    </message>
    <message>
      <source>Refresh from WeChat</source>
      <translation>从微信刷新</translation>
    </message>
    <message>
      <source>No open complaints. Refresh from WeChat, or save a complaint push, to bring new ones.</source>
      <translation>没有待处理的投诉。从微信刷新，或保存一条投诉推送，即可看到新的投诉。</translation>
    </message>
    <message>
      <source>Complaint</source>
      <translation>投诉</translation>
    </message>
    <message>
      <source>Open user</source>
      <translation>查看用户</translation>
    </message>
    <message>
      <source>Complaint id</source>
      <translation>投诉单号</translation>
    </message>
    <message>
      <source>Deadline</source>
      <translation>处理时限</translation>
    </message>
    <message>
      <source>Negotiation history</source>
      <translation>协商记录</translation>
    </message>
    <message>
      <source>The user's evidence</source>
      <translation>用户提供的凭证</translation>
    </message>
    <message>
      <source>Double-click an image to see it</source>
      <translation>双击图片查看</translation>
    </message>
    <message>
      <source>Evidence image</source>
      <translation>凭证图片</translation>
    </message>
    <message>
      <source>Answer the user</source>
      <translation>回复用户</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>回复内容</translation>
    </message>
    <message>
      <source>What the user will read in WeChat (at most 200 characters)</source>
      <translation>用户将在微信中看到的回复（最多 200 字）</translation>
    </message>
    <message>
      <source>Images to send</source>
      <translation>要发送的图片</translation>
    </message>
    <message>
      <source>Add image…</source>
      <translation>添加图片…</translation>
    </message>
    <message>
      <source>Remove images</source>
      <translation>移除图片</translation>
    </message>
    <message>
      <source>Send answer</source>
      <translation>发送回复</translation>
    </message>
    <message>
      <source>Offer a refund…</source>
      <translation>退款给用户…</translation>
    </message>
    <message>
      <source>Mark complete…</source>
      <translation>标记处理完成…</translation>
    </message>
    <message>
      <source>coin top-up</source>
      <translation>代币充值</translation>
    </message>
    <message>
      <source>item purchase</source>
      <translation>道具直购</translation>
    </message>
    <message>
      <source>Choose a complaint.</source>
      <translation>请选择一条投诉。</translation>
    </message>
    <message>
      <source>This complaint is complete.</source>
      <translation>该投诉已处理完成。</translation>
    </message>
    <message>
      <source>Write the answer the user will read.</source>
      <translation>请填写用户将看到的回复。</translation>
    </message>
    <message>
      <source>Choose images for the answer</source>
      <translation>选择随回复发送的图片</translation>
    </message>
    <message>
      <source>Mark this complaint complete at WeChat? Do it only when the user's problem is solved: a user who complains again counts as a repeated complaint.</source>
      <translation>要在微信标记该投诉处理完成吗？请只在用户问题已解决时标记：用户再次投诉会被计为重复投诉。</translation>
    </message>
    <message>
      <source>Confirm: mark complete</source>
      <translation>确认标记处理完成</translation>
    </message>
    <message>
      <source>first answer</source>
      <translation>首次回复</translation>
    </message>
    <message>
      <source>completion</source>
      <translation>处理完成</translation>
    </message>
    <message>
      <source>The order is not in the mirror.</source>
      <translation>镜像中没有这个订单。</translation>
    </message>
    <message>
      <source>{kind} · paid {paid} · refundable {left} · {status}</source>
      <translation>{kind} · 实付 {paid} · 可退 {left} · {status}</translation>
    </message>
    <message>
      <source>Nothing left to refund on this order.</source>
      <translation>该订单已没有可退金额。</translation>
    </message>
    <message>
      <source>overdue by {h} h {m} min</source>
      <translation>已超时 {h} 小时 {m} 分</translation>
    </message>
    <message>
      <source>{n} open complaints, {late} overdue</source>
      <translation>{n} 条待处理投诉，{late} 条已超时</translation>
    </message>
    <message>
      <source>the user wrote again and waits for an answer</source>
      <translation>用户有新留言，等待回复</translation>
    </message>
    <message>
      <source>The user sent no images.</source>
      <translation>用户没有提供图片。</translation>
    </message>
    <message>
      <source>At most {n} characters.</source>
      <translation>最多 {n} 个字。</translation>
    </message>
    <message>
      <source>{n} / {max} characters</source>
      <translation>{n} / {max} 字</translation>
    </message>
    <message>
      <source>Mark complete — {id}</source>
      <translation>标记处理完成 — {id}</translation>
    </message>
    <message>
      <source>The image could not be read.</source>
      <translation>无法读取这张图片。</translation>
    </message>
    <message>
      <source>User complaint {id}</source>
      <translation>用户投诉 {id}</translation>
    </message>
    <message>
      <source>Answer sent to the user</source>
      <translation>回复已发送给用户</translation>
    </message>
    <message>
      <source>Complaint marked complete</source>
      <translation>投诉已标记处理完成</translation>
    </message>
    <message>
      <source>{n} new complaints</source>
      <translation>{n} 条新投诉</translation>
    </message>
    <message>
      <source>asks for {amount}</source>
      <translation>申请退款 {amount}</translation>
    </message>
    <message>
      <source>Image {n}</source>
      <translation>图片 {n}</translation>
    </message>
    <message>
      <source>Images attached: {n}</source>
      <translation>附图 {n} 张</translation>
    </message>
    <message>
      <source>Refund id</source>
      <translation>退款单号</translation>
    </message>
    <message>
      <source>Finished</source>
      <translation>完成时间</translation>
    </message>
    <message>
      <source>All statuses</source>
      <translation>全部状态</translation>
    </message>
    <message>
      <source>Paid, not delivered</source>
      <translation>已支付·待发货</translation>
    </message>
    <message>
      <source>Delivered</source>
      <translation>已发货</translation>
    </message>
    <message>
      <source>Refunded</source>
      <translation>已退款</translation>
    </message>
    <message>
      <source>Refund failed</source>
      <translation>退款失败</translation>
    </message>
    <message>
      <source>Awaiting payment</source>
      <translation>待支付</translation>
    </message>
    <message>
      <source>Closed</source>
      <translation>已关闭</translation>
    </message>
    <message>
      <source>All kinds</source>
      <translation>全部类型</translation>
    </message>
    <message>
      <source>Coin top-up</source>
      <translation>代币充值</translation>
    </message>
    <message>
      <source>Item purchase</source>
      <translation>道具直购</translation>
    </message>
    <message>
      <source>From</source>
      <translation>从</translation>
    </message>
    <message>
      <source>Apply</source>
      <translation>应用</translation>
    </message>
    <message>
      <source>Columns</source>
      <translation>列</translation>
    </message>
    <message>
      <source>No orders yet. Import a vk-pay export or refresh from WeChat.</source>
      <translation>还没有订单。导入 vk-pay 导出文件或从微信刷新。</translation>
    </message>
    <message>
      <source>Open this user</source>
      <translation>打开该用户</translation>
    </message>
    <message>
      <source>History</source>
      <translation>状态历史</translation>
    </message>
    <message>
      <source>Refunds</source>
      <translation>退款</translation>
    </message>
    <message>
      <source>Ledger</source>
      <translation>代币流水</translation>
    </message>
    <message>
      <source>Raw record</source>
      <translation>原始记录</translation>
    </message>
    <message>
      <source>Double-click an order to open its user.</source>
      <translation>双击订单打开它的用户。</translation>
    </message>
    <message>
      <source>to</source>
      <translation>至</translation>
    </message>
    <message>
      <source>{n} orders</source>
      <translation>{n} 个订单</translation>
    </message>
    <message>
      <source>Refund started</source>
      <translation>退款发起</translation>
    </message>
    <message>
      <source>Refund finished</source>
      <translation>退款完成</translation>
    </message>
    <message>
      <source>Reconciliation: {why}. Suggested fix: {fix}</source>
      <translation>对账发现：{why}。建议处理：{fix}</translation>
    </message>
    <message>
      <source>Daily refunds against clawbacks</source>
      <translation>每日退款与回收</translation>
    </message>
    <message>
      <source>Per day: refunded (red), coins clawed back at the coin rate (green)</source>
      <translation>每日：退款金额（红），按代币比例折算的已回收代币（绿）</translation>
    </message>
    <message>
      <source>This month</source>
      <translation>本月</translation>
    </message>
    <message>
      <source>Last month</source>
      <translation>上月</translation>
    </message>
    <message>
      <source>Last 90 days</source>
      <translation>近 90 天</translation>
    </message>
    <message>
      <source>Custom</source>
      <translation>自定义</translation>
    </message>
    <message>
      <source>Run report</source>
      <translation>生成报表</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>导出…</translation>
    </message>
    <message>
      <source>Days no WeChat bill covers</source>
      <translation>微信账单未覆盖的日期</translation>
    </message>
    <message>
      <source>Double-click a day to see the orders behind its figures.</source>
      <translation>双击某一天查看其数字背后的订单。</translation>
    </message>
    <message>
      <source>1 refund</source>
      <translation>1 笔退款</translation>
    </message>
    <message>
      <source>{n} refunds</source>
      <translation>{n} 笔退款</translation>
    </message>
    <message>
      <source>1 discrepancy</source>
      <translation>1 处差异</translation>
    </message>
    <message>
      <source>{n} discrepancies</source>
      <translation>{n} 处差异</translation>
    </message>
    <message>
      <source>1 open item</source>
      <translation>1 项</translation>
    </message>
    <message>
      <source>{n} open items</source>
      <translation>{n} 项</translation>
    </message>
    <message>
      <source>Needs user login</source>
      <translation>等待用户登录</translation>
    </message>
    <message>
      <source>Choose a period and run the report</source>
      <translation>选择期间后点击「生成报表」</translation>
    </message>
    <message>
      <source>Payment</source>
      <translation>支付</translation>
    </message>
    <message>
      <source>Record</source>
      <translation>记录</translation>
    </message>
    <message>
      <source>Order or refund id</source>
      <translation>订单号或退款单号</translation>
    </message>
    <message>
      <source>Amount</source>
      <translation>金额</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>时间</translation>
    </message>
    <message>
      <source>Payments and refunds on {day}</source>
      <translation>{day} 的支付与退款</translation>
    </message>
    <message>
      <source>Double-click a day to see the payments and refunds behind its figures.</source>
      <translation>双击某一天查看其数字背后的支付与退款。</translation>
    </message>
    <message>
      <source>Payment received</source>
      <translation>支付成功</translation>
    </message>
    <message>
      <source>Export report</source>
      <translation>导出报表</translation>
    </message>
    <message>
      <source>Double-click a discrepancy to open its order.</source>
      <translation>双击差异行可打开相关订单。</translation>
    </message>
    <message>
      <source>{day}: refunded {refunded}; clawed back {coins} (≈ {value})</source>
      <translation>{day}：退款 {refunded}；回收 {coins}（≈ {value}）</translation>
    </message>
    <message>
      <source>No data for this period</source>
      <translation>该期间没有数据</translation>
    </message>
    <message>
      <source>No coins were clawed back in this period</source>
      <translation>本期没有回收任何代币</translation>
    </message>
    <message>
      <source>Gross paid</source>
      <translation>实收</translation>
    </message>
    <message>
      <source>Coins not clawed back</source>
      <translation>未回收代币</translation>
    </message>
    <message>
      <source>Waiting for user login</source>
      <translation>等待用户登录</translation>
    </message>
    <message>
      <source>Discrepancies</source>
      <translation>对账差异</translation>
    </message>
    <message>
      <source>Open items</source>
      <translation>待处理事项</translation>
    </message>
    <message>
      <source>The end date is before the start date.</source>
      <translation>结束日期早于开始日期。</translation>
    </message>
    <message>
      <source>Orders paid on {day}</source>
      <translation>{day} 支付的订单</translation>
    </message>
    <message>
      <source>Exported to {path}</source>
      <translation>已导出到 {path}</translation>
    </message>
    <message>
      <source>Refund status</source>
      <translation>退款状态</translation>
    </message>
    <message>
      <source>Clawback</source>
      <translation>代币回收</translation>
    </message>
    <message>
      <source>Coins due</source>
      <translation>应回收代币</translation>
    </message>
    <message>
      <source>Coins taken</source>
      <translation>已回收代币</translation>
    </message>
    <message>
      <source>Coins outstanding</source>
      <translation>未回收代币</translation>
    </message>
    <message>
      <source>Started</source>
      <translation>发起时间</translation>
    </message>
    <message>
      <source>Only refunds whose coins are not back yet</source>
      <translation>只看代币尚未回收的退款</translation>
    </message>
    <message>
      <source>Start clawback</source>
      <translation>开始回收</translation>
    </message>
    <message>
      <source>Why no clawback can start</source>
      <translation>无法回收的原因</translation>
    </message>
    <message>
      <source>Check refunds in flight</source>
      <translation>检查进行中的退款</translation>
    </message>
    <message>
      <source>Double-click a refund to open its order.</source>
      <translation>双击退款打开它的订单。</translation>
    </message>
    <message>
      <source>No refunds yet. Refunds started here or imported appear in this list.</source>
      <translation>还没有退款。在这里发起或导入的退款会显示在此列表中。</translation>
    </message>
    <message>
      <source>WeChat refund id</source>
      <translation>微信退款单号</translation>
    </message>
    <message>
      <source>Select a refund to take back its coins.</source>
      <translation>选择一笔退款以回收其代币。</translation>
    </message>
    <message>
      <source>Open the order</source>
      <translation>打开订单</translation>
    </message>
    <message>
      <source>{n} refunds, {due} with coins still due</source>
      <translation>{n} 笔退款，其中 {due} 笔代币待回收</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>名称</translation>
    </message>
    <message>
      <source>appid</source>
      <translation>appid</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>角色</translation>
    </message>
    <message>
      <source>Notes</source>
      <translation>备注</translation>
    </message>
    <message>
      <source>WeChat accepted the access_token and the pay_sig</source>
      <translation>微信接受了 access_token 和 pay_sig</translation>
    </message>
    <message>
      <source>Secrets</source>
      <translation>密钥</translation>
    </message>
    <message>
      <source>Preferences</source>
      <translation>偏好</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>语言</translation>
    </message>
    <message>
      <source>Your limits</source>
      <translation>我的限额</translation>
    </message>
    <message>
      <source>Optional: an openid whose session key to check</source>
      <translation>可选：要检查会话密钥的 openid</translation>
    </message>
    <message>
      <source>Test connection</source>
      <translation>测试连接</translation>
    </message>
    <message>
      <source>Profiles</source>
      <translation>配置列表</translation>
    </message>
    <message>
      <source>Session key check: {state}</source>
      <translation>会话密钥检查：{state}</translation>
    </message>
    <message>
      <source>Choosing a language reopens the window in it.</source>
      <translation>选择语言后窗口会以该语言重新打开。</translation>
    </message>
    <message>
      <source>A guard rail against mistakes on one desktop, not access control.</source>
      <translation>这是防止单机误操作的护栏，不是权限控制。</translation>
    </message>
    <message>
      <source>New profile…</source>
      <translation>新建配置…</translation>
    </message>
    <message>
      <source>Edit…</source>
      <translation>编辑…</translation>
    </message>
    <message>
      <source>Open this profile</source>
      <translation>打开此配置</translation>
    </message>
    <message>
      <source>Choose a profile in the list first.</source>
      <translation>请先在列表中选择一个配置。</translation>
    </message>
    <message>
      <source>The demo profile is built at each start; create your own instead.</source>
      <translation>演示配置在每次启动时重建，请新建您自己的配置。</translation>
    </message>
    <message>
      <source>API address</source>
      <translation>API 地址</translation>
    </message>
    <message>
      <source>Coins per yuan</source>
      <translation>每元代币数</translation>
    </message>
    <message>
      <source>Mirror</source>
      <translation>本地镜像</translation>
    </message>
    <message>
      <source>Profile file</source>
      <translation>配置文件</translation>
    </message>
    <message>
      <source>not set</source>
      <translation>未设置</translation>
    </message>
    <message>
      <source>new value</source>
      <translation>新值</translation>
    </message>
    <message>
      <source>Store in keyring</source>
      <translation>存入钥匙串</translation>
    </message>
    <message>
      <source>opens at start</source>
      <translation>启动时打开</translation>
    </message>
    <message>
      <source>open now</source>
      <translation>当前打开</translation>
    </message>
    <message>
      <source>Profile {name} saved. Open it with “Open this profile”.</source>
      <translation>配置 {name} 已保存。点击“打开此配置”即可使用。</translation>
    </message>
    <message>
      <source>{field} stored in the OS keyring; it applies the next time the profile is opened.</source>
      <translation>{field} 已存入系统钥匙串，下次打开该配置时生效。</translation>
    </message>
    <message>
      <source>Profiles file: {path}</source>
      <translation>配置文件：{path}</translation>
    </message>
    <message>
      <source>No profiles yet in {path}. Create one with “New profile…”.</source>
      <translation>{path} 中还没有配置。请点击“新建配置…”创建。</translation>
    </message>
    <message>
      <source>temporary, rebuilt at each demo start</source>
      <translation>临时，每次演示启动时重建</translation>
    </message>
    <message>
      <source>Empty: the profile's AppKey for its environment</source>
      <translation>留空：使用当前配置对应环境的 AppKey</translation>
    </message>
    <message>
      <source>Optional: the user's session_key text</source>
      <translation>可选：用户的 session_key 原文</translation>
    </message>
    <message>
      <source>Optional: the pay_sig or signature you sent</source>
      <translation>可选：你发送的 pay_sig 或 signature</translation>
    </message>
    <message>
      <source>Sign</source>
      <translation>计算签名</translation>
    </message>
    <message>
      <source>Signed message (whitespace shown):</source>
      <translation>参与签名的内容（显示空白字符）：</translation>
    </message>
    <message>
      <source>uri</source>
      <translation>uri</translation>
    </message>
    <message>
      <source>AppKey</source>
      <translation>AppKey</translation>
    </message>
    <message>
      <source>Compare with</source>
      <translation>对比</translation>
    </message>
    <message>
      <source>pay_sig = HMAC-SHA256(AppKey, uri + '&amp;' + body); signature = HMAC-SHA256(session_key text, body). The body must be the exact bytes sent.</source>
      <translation>pay_sig = HMAC-SHA256(AppKey, uri + '&amp;' + body)；signature = HMAC-SHA256(session_key 原文, body)。body 必须与实际发送的字节完全一致。</translation>
    </message>
    <message>
      <source>Differs</source>
      <translation>不一致</translation>
    </message>
    <message>
      <source>(no AppKey)</source>
      <translation>（无 AppKey）</translation>
    </message>
    <message>
      <source>(no session key)</source>
      <translation>（无会话密钥）</translation>
    </message>
    <message>
      <source>Reference</source>
      <translation>单号</translation>
    </message>
    <message>
      <source>Needs</source>
      <translation>需要处理</translation>
    </message>
    <message>
      <source>Since</source>
      <translation>出现于</translation>
    </message>
    <message>
      <source>Last activity</source>
      <translation>最近活动</translation>
    </message>
    <message>
      <source>openid, e.g. oXpd12…</source>
      <translation>openid，例如 oXpd12…</translation>
    </message>
    <message>
      <source>Look up</source>
      <translation>查询</translation>
    </message>
    <message>
      <source>All users</source>
      <translation>全部用户</translation>
    </message>
    <message>
      <source>This user's orders</source>
      <translation>该用户的订单</translation>
    </message>
    <message>
      <source>Double-click an order or refund to open it on its page.</source>
      <translation>双击订单或退款，在对应页面打开。</translation>
    </message>
    <message>
      <source>Select an entry to see the records behind it (the action, its audit rows).</source>
      <translation>选择一条记录，查看它背后的原始记录（操作本身及其审计记录）。</translation>
    </message>
    <message>
      <source>Enter an openid to see the user's balance, session key and everything that happened to them; or open one of the users below.</source>
      <translation>输入 openid 查看用户的余额、会话密钥和全部记录；或打开下方列出的用户。</translation>
    </message>
    <message>
      <source>Balance</source>
      <translation>余额</translation>
    </message>
    <message>
      <source>Check session key</source>
      <translation>检查会话密钥</translation>
    </message>
    <message>
      <source>Needs attention</source>
      <translation>需要处理的用户</translation>
    </message>
    <message>
      <source>Recent users</source>
      <translation>最近的用户</translation>
    </message>
    <message>
      <source>This openid has no orders in the mirror.</source>
      <translation>本地镜像中没有该 openid 的订单。</translation>
    </message>
    <message>
      <source>Order {id}</source>
      <translation>订单 {id}</translation>
    </message>
    <message>
      <source>Gifted</source>
      <translation>赠送余额</translation>
    </message>
    <message>
      <source>Bought in total</source>
      <translation>累计充值</translation>
    </message>
    <message>
      <source>Gifted in total</source>
      <translation>累计赠送</translation>
    </message>
    <message>
      <source>Spent in total</source>
      <translation>累计消耗</translation>
    </message>
    <message>
      <source>First top-up offer</source>
      <translation>首充优惠资格</translation>
    </message>
    <message>
      <source>Looked up here</source>
      <translation>在此查询过</translation>
    </message>
    <message>
      <source>Operator action</source>
      <translation>操作员的操作</translation>
    </message>
    <message>
      <source>{mask}, obtained {obtained}, checked {checked}</source>
      <translation>{mask}，获取于 {obtained}，检查于 {checked}</translation>
    </message>
    <message>
      <source>Yes</source>
      <translation>是</translation>
    </message>
    <message>
      <source>No</source>
      <translation>否</translation>
    </message>
    <message>
      <source>records</source>
      <translation>条记录</translation>
    </message>
    <message>
      <source>appid (wx + 16 characters)</source>
      <translation>appid（wx 加 16 位字符）</translation>
    </message>
    <message>
      <source>Merchant id (mch_id)</source>
      <translation>商户号（mch_id）</translation>
    </message>
    <message>
      <source>Offer id (offer_id)</source>
      <translation>虚拟支付应用 ID（offer_id）</translation>
    </message>
    <message>
      <source>Push receiver appid (optional)</source>
      <translation>推送接收方 appid（可选）</translation>
    </message>
    <message>
      <source>Session key endpoint (optional)</source>
      <translation>session_key 获取接口（可选）</translation>
    </message>
    <message>
      <source>AppKey (production)</source>
      <translation>AppKey（现网）</translation>
    </message>
    <message>
      <source>AppKey (sandbox)</source>
      <translation>AppKey（沙箱）</translation>
    </message>
    <message>
      <source>AppSecret</source>
      <translation>AppSecret</translation>
    </message>
    <message>
      <source>Push token</source>
      <translation>消息推送 Token</translation>
    </message>
    <message>
      <source>EncodingAESKey</source>
      <translation>EncodingAESKey</translation>
    </message>
    <message>
      <source>Profile name</source>
      <translation>配置名称</translation>
    </message>
    <message>
      <source>Open this profile when XPay Desk starts</source>
      <translation>XPay Desk 启动时打开此配置</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>保存</translation>
    </message>
    <message>
      <source>New profile</source>
      <translation>新建配置</translation>
    </message>
    <message>
      <source>Edit profile</source>
      <translation>编辑配置</translation>
    </message>
    <message>
      <source>Keys go to the OS keyring and are never shown again, not even here.</source>
      <translation>密钥存入系统钥匙串，之后不再显示，包括此处。</translation>
    </message>
    <message>
      <source>stored in the OS keyring</source>
      <translation>将存入系统钥匙串</translation>
    </message>
    <message>
      <source>empty: keep the stored</source>
      <translation>留空：保留已存的值</translation>
    </message>
    <message>
      <source>Copy details</source>
      <translation>复制详情</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>复制</translation>
    </message>
    <message>
      <source>Keep as rejected (changes nothing)</source>
      <translation>保留为已拒绝（不改动任何数据）</translation>
    </message>
    <message>
      <source>Not trusted: this push failed the checks, so nothing in it tells whether the user paid. Ask WeChat (Orders page, Refresh from WeChat).</source>
      <translation>不可信：该推送未通过校验，无法据此判断用户是否已支付。请向微信查询（订单页“从微信刷新”）。</translation>
    </message>
    <message>
      <source>Rejected push kept, marked rejected: it changed nothing in the mirror</source>
      <translation>已保留被拒绝的推送，标记为已拒绝：本地镜像中的数据未做任何改动</translation>
    </message>
    <message>
      <source>This rejected push was already kept</source>
      <translation>该被拒绝的推送此前已保留</translation>
    </message>
    <message>
      <source>A URL verification: WeChat checks the server; no payment in it.</source>
      <translation>URL 校验：微信在检查服务器，其中没有支付信息。</translation>
    </message>
    <message>
      <source>WeChat says: the user paid {amount} ({what}) at {time}, order {order}.</source>
      <translation>微信推送：用户于 {time} 支付了 {amount}（{what}），商户订单号 {order}。</translation>
    </message>
    <message>
      <source>succeeded</source>
      <translation>成功</translation>
    </message>
    <message>
      <source>failed: {why}</source>
      <translation>失败：{why}</translation>
    </message>
    <message>
      <source>WeChat says: refund {refund} of {amount} for order {order} {outcome}.</source>
      <translation>微信推送：订单 {order} 的退款 {refund}（{amount}）{outcome}。</translation>
    </message>
    <message>
      <source>WeChat says: {event}, order {order}.</source>
      <translation>微信推送：{event}，商户订单号 {order}。</translation>
    </message>
    <message>
      <source>This order is not in the mirror yet; saving the push adds it.</source>
      <translation>本地镜像中还没有这笔订单；保存该推送会加入它。</translation>
    </message>
    <message>
      <source>This order is not in the mirror.</source>
      <translation>本地镜像中没有这笔订单。</translation>
    </message>
    <message>
      <source>In the mirror: {status}, paid {paid}.</source>
      <translation>本地镜像：{status}，实付 {paid}。</translation>
    </message>
    <message>
      <source>The demo runs from a temporary file: {path}</source>
      <translation>演示使用临时配置文件：{path}</translation>
    </message>
    <message>
      <source>Preparing the demo…</source>
      <translation>正在准备演示数据…</translation>
    </message>
    <message>
      <source>Not trusted: failed the checks</source>
      <translation>不可信：未通过校验</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>失败</translation>
    </message>
    <message>
      <source>Log in to the team server</source>
      <translation>登录团队服务器</translation>
    </message>
    <message>
      <source>Team server</source>
      <translation>团队服务器</translation>
    </message>
    <message>
      <source>Operator name</source>
      <translation>操作员名称</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>密码</translation>
    </message>
    <message>
      <source>6 digits from your authenticator app</source>
      <translation>身份验证器应用中显示的 6 位数字</translation>
    </message>
    <message>
      <source>One-time code</source>
      <translation>动态码</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>登录</translation>
    </message>
    <message>
      <source>Your role cannot ask WeChat: support, finance and admin operators can.</source>
      <translation>您的角色不能向微信查询：客服、财务和管理员可以。</translation>
    </message>
    <message>
      <source>Log in again</source>
      <translation>重新登录</translation>
    </message>
    <message>
      <source>Solo</source>
      <translation>单机</translation>
    </message>
    <message>
      <source>Team</source>
      <translation>团队</translation>
    </message>
    <message>
      <source>left today</source>
      <translation>今日剩余</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>不限</translation>
    </message>
    <message>
      <source>Solo: the keys on this desktop</source>
      <translation>单机：密钥保存在本机</translation>
    </message>
    <message>
      <source>Team: a team server</source>
      <translation>团队：连接团队服务器</translation>
    </message>
    <message>
      <source>Team server address</source>
      <translation>团队服务器地址</translation>
    </message>
    <message>
      <source>Your login name on the team server</source>
      <translation>您在团队服务器上的登录名</translation>
    </message>
    <message>
      <source>A team desktop holds no key: the team server keeps them and decides the environment and your role. You log in when the profile opens.</source>
      <translation>团队模式的电脑不保存密钥：密钥由团队服务器保管，环境和您的角色也由服务器决定。打开此配置时需要登录。</translation>
    </message>
    <message>
      <source>Money actions are paused until the team server can be reached again.</source>
      <translation>资金操作已暂停，直到能再次连接团队服务器。</translation>
    </message>
    <message>
      <source>Team server unreachable · showing data from {time} (Beijing) · money actions paused</source>
      <translation>无法连接团队服务器 · 显示的是 {time}（北京时间）的数据 · 资金操作已暂停</translation>
    </message>
    <message>
      <source>Connection to the team server</source>
      <translation>与团队服务器的连接</translation>
    </message>
    <message>
      <source>Needs approval</source>
      <translation>需要审批</translation>
    </message>
    <message>
      <source>Sent for approval.</source>
      <translation>已提交审批。</translation>
    </message>
    <message>
      <source>This amount needs approval: confirming sends a request, and nothing moves until another finance or admin operator approves it.</source>
      <translation>此金额需要审批：确认后只会提交审批请求，在另一位财务或管理员批准之前不会动用任何资金。</translation>
    </message>
    <message>
      <source>Sent for approval (request {id}): nothing has moved yet. It runs when another finance or admin operator approves it; follow it on the Approvals page.</source>
      <translation>已提交审批（请求 {id}）：尚未动用任何资金。另一位财务或管理员批准后才会执行；可在“审批”页查看进度。</translation>
    </message>
    <message>
      <source>Request approval: {action}</source>
      <translation>提交审批：{action}</translation>
    </message>
    <message>
      <source>Approvals</source>
      <translation>审批</translation>
    </message>
    <message>
      <source>Requests waiting for your approval: {n}</source>
      <translation>等待您审批的请求：{n}</translation>
    </message>
    <message>
      <source>Waiting for approval</source>
      <translation>等待审批</translation>
    </message>
    <message>
      <source>Approved</source>
      <translation>已批准</translation>
    </message>
    <message>
      <source>Rejected</source>
      <translation>已驳回</translation>
    </message>
    <message>
      <source>Expired</source>
      <translation>已过期</translation>
    </message>
    <message>
      <source>Requested by</source>
      <translation>申请人</translation>
    </message>
    <message>
      <source>Requested</source>
      <translation>申请时间</translation>
    </message>
    <message>
      <source>Expires</source>
      <translation>到期时间</translation>
    </message>
    <message>
      <source>Decided by</source>
      <translation>审批人</translation>
    </message>
    <message>
      <source>Decision reason</source>
      <translation>审批理由</translation>
    </message>
    <message>
      <source>Asked by {who} at {when} · reason: {reason}</source>
      <translation>由 {who} 于 {when} 提出 · 理由：{reason}</translation>
    </message>
    <message>
      <source>Expires {when} (Beijing)</source>
      <translation>{when}（北京时间）到期</translation>
    </message>
    <message>
      <source>Approving runs it now, as {who}'s action, with you named as the approver in the audit log.</source>
      <translation>批准后立即以 {who} 的操作执行，审计日志中记录您为审批人。</translation>
    </message>
    <message>
      <source>Waiting for me</source>
      <translation>等待我审批</translation>
    </message>
    <message>
      <source>What approving does</source>
      <translation>批准后会发生什么</translation>
    </message>
    <message>
      <source>Required: why you approve or reject (kept in the audit log)</source>
      <translation>必填：批准或驳回的理由（记入审计日志）</translation>
    </message>
    <message>
      <source>Approve</source>
      <translation>批准</translation>
    </message>
    <message>
      <source>Reject</source>
      <translation>驳回</translation>
    </message>
    <message>
      <source>Why approve and reject are disabled</source>
      <translation>为什么不能批准或驳回</translation>
    </message>
    <message>
      <source>My requests</source>
      <translation>我的申请</translation>
    </message>
    <message>
      <source>You have asked for no approval yet.</source>
      <translation>您还没有提交过审批申请。</translation>
    </message>
    <message>
      <source>Select a request to decide.</source>
      <translation>请选择要审批的请求。</translation>
    </message>
    <message>
      <source>{action}: {n} rows, {amount} in total</source>
      <translation>{action}：{n} 行，共 {amount}</translation>
    </message>
    <message>
      <source>Gift {amount} to user {user}</source>
      <translation>向用户 {user} 赠送 {amount}</translation>
    </message>
    <message>
      <source>Nothing is waiting for your approval.</source>
      <translation>没有等待您审批的请求。</translation>
    </message>
    <message>
      <source>Deduct {amount} from user {user}</source>
      <translation>从用户 {user} 扣减 {amount}</translation>
    </message>
    <message>
      <source>, then take back the refunded share of its coins</source>
      <translation>，随后回收退款部分对应的代币</translation>
    </message>
    <message>
      <source>Your role ({role}) cannot approve: finance and admin operators can.</source>
      <translation>您的角色（{role}）不能审批：财务和管理员可以审批。</translation>
    </message>
    <message>
      <source>Refund {amount} of order {order} to user {user}</source>
      <translation>为用户 {user} 的订单 {order} 退款 {amount}</translation>
    </message>
    <message>
      <source>Waiting for my approval: {n}</source>
      <translation>等待我审批：{n}</translation>
    </message>
    <message>
      <source>Request {id}: {state}</source>
      <translation>审批请求 {id}：{state}</translation>
    </message>
    <message>
      <source>Nothing to resolve: no operation is pending.</source>
      <translation>没有需要处理的操作：没有未完成的操作。</translation>
    </message>
    <message>
      <source>, then take back {coins} (the refunded share of its coins)</source>
      <translation>，随后回收 {coins}（退款部分对应的代币）</translation>
    </message>
    <message>
      <source>Run a report first: there is nothing to export yet.</source>
      <translation>请先运行报表：还没有可导出的内容。</translation>
    </message>
    <message>
      <source>Export this report (Excel, CSV or JSON)</source>
      <translation>导出此报表（Excel、CSV 或 JSON）</translation>
    </message>
    <message>
      <source>Spent in total as WeChat reports it, clawbacks included</source>
      <translation>微信返回的累计消耗，含代币回收</translation>
    </message>
    <message>
      <source>asked by {who}</source>
      <translation>{who} 提出</translation>
    </message>
    <message>
      <source>decided by {who}</source>
      <translation>{who} 审批</translation>
    </message>
    <message>
      <source>then take back {coins}</source>
      <translation>随后回收 {coins}</translation>
    </message>
    <message>
      <source>Spent in total (as WeChat reports)</source>
      <translation>累计消耗（微信数据）</translation>
    </message>
    <message>
      <source>Session ended (an admin may have disabled you, or you logged out)</source>
      <translation>会话已结束（可能已被管理员停用或已退出）</translation>
    </message>
    <message>
      <source>The session with the team server has ended: log in again to continue.</source>
      <translation>与团队服务器的会话已结束：请重新登录后继续。</translation>
    </message>
    <message>
      <source>Logged in again: the session goes on.</source>
      <translation>已重新登录，会话继续。</translation>
    </message>
    <message>
      <source>The team server applies these limits to every action you take.</source>
      <translation>团队服务器对您的每一笔操作执行这些限额。</translation>
    </message>
    <message>
      <source>Your role ({role}) moves no money.</source>
      <translation>您的角色（{role}）不能进行资金操作。</translation>
    </message>
    <message>
      <source>team server unreachable: as of {time} (Beijing)</source>
      <translation>无法连接团队服务器：数据截至 {time}（北京时间）</translation>
    </message>
    <message>
      <source>The team server is unreachable: this list can't be loaded now.</source>
      <translation>无法连接团队服务器：此列表暂时无法加载。</translation>
    </message>
    <message>
      <source>{what} can't be loaded now: the team server is unreachable.</source>
      <translation>{what}暂时无法加载：无法连接团队服务器。</translation>
    </message>
    <message>
      <source>Order {order}</source>
      <translation>订单 {order}</translation>
    </message>
    <message>
      <source>Refund started; it is followed until it ends</source>
      <translation>退款已发起；工作台会跟踪到退款完成</translation>
    </message>
    <message>
      <source>Balance after approval {before} → {after} (nothing moves until then)</source>
      <translation>批准后余额 {before} → {after}（批准前不变动）</translation>
    </message>
  </context>
</TS>
