<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
  <context>
    <name>XPayDesk</name>
    <message>
      <source>{n} pending operations resolved at start</source>
      <translation>{n} pending operations resolved at start</translation>
    </message>
    <message>
      <source>{n} operations are still running; switch when they have finished.</source>
      <translation>{n} operations are still running; switch when they have finished.</translation>
    </message>
    <message>
      <source>Done</source>
      <translation>Done</translation>
    </message>
    <message>
      <source>Refund started; it is followed until it ends, then the coins come back</source>
      <translation>Refund started; it is followed until it ends, then the coins come back</translation>
    </message>
    <message>
      <source>Waiting for the refund</source>
      <translation>Waiting for the refund</translation>
    </message>
    <message>
      <source>Outcome unknown: nothing was retried with a new id. Resolve it from the pending list.</source>
      <translation>Outcome unknown: nothing was retried with a new id. Resolve it from the pending list.</translation>
    </message>
    <message>
      <source>Failed</source>
      <translation>Failed</translation>
    </message>
    <message>
      <source>Waiting for the user to log in</source>
      <translation>Waiting for the user to log in</translation>
    </message>
    <message>
      <source>WeChat was busy; it will be retried with the same id</source>
      <translation>WeChat was busy; it will be retried with the same id</translation>
    </message>
    <message>
      <source>Likely cause: the session key is not this user's latest one (a pasted key, or one from before the user last opened the mini program), or this profile's AppKey does not match its environment. Leave the session key empty to use the stored one, or check the request in the Signature debugger.</source>
      <translation>Likely cause: the session key is not this user's latest one (a pasted key, or one from before the user last opened the mini program), or this profile's AppKey does not match its environment. Leave the session key empty to use the stored one, or check the request in the Signature debugger.</translation>
    </message>
    <message>
      <source>Likely cause: the user's session key has expired. It works again once the user opens the mini program.</source>
      <translation>Likely cause: the user's session key has expired. It works again once the user opens the mini program.</translation>
    </message>
    <message>
      <source>Likely cause: another refund of this order changed what is refundable. The dialog now shows the new amount.</source>
      <translation>Likely cause: another refund of this order changed what is refundable. The dialog now shows the new amount.</translation>
    </message>
    <message>
      <source>Gift coins</source>
      <translation>Gift coins</translation>
    </message>
    <message>
      <source>Confirm gift of {amount}</source>
      <translation>Confirm gift of {amount}</translation>
    </message>
    <message>
      <source>Deduct coins</source>
      <translation>Deduct coins</translation>
    </message>
    <message>
      <source>Confirm deduction of {amount}</source>
      <translation>Confirm deduction of {amount}</translation>
    </message>
    <message>
      <source>Cancel deduction</source>
      <translation>Cancel deduction</translation>
    </message>
    <message>
      <source>Confirm cancelling {amount}</source>
      <translation>Confirm cancelling {amount}</translation>
    </message>
    <message>
      <source>Refund order</source>
      <translation>Refund order</translation>
    </message>
    <message>
      <source>Confirm refund of {amount}</source>
      <translation>Confirm refund of {amount}</translation>
    </message>
    <message>
      <source>Mark delivered</source>
      <translation>Mark delivered</translation>
    </message>
    <message>
      <source>Confirm delivery</source>
      <translation>Confirm delivery</translation>
    </message>
    <message>
      <source>Coin clawback</source>
      <translation>Coin clawback</translation>
    </message>
    <message>
      <source>Confirm clawback of {amount}</source>
      <translation>Confirm clawback of {amount}</translation>
    </message>
    <message>
      <source>No description</source>
      <translation>No description</translation>
    </message>
    <message>
      <source>Product problem</source>
      <translation>Product problem</translation>
    </message>
    <message>
      <source>After-sales problem</source>
      <translation>After-sales problem</translation>
    </message>
    <message>
      <source>User changed their mind</source>
      <translation>User changed their mind</translation>
    </message>
    <message>
      <source>Price problem</source>
      <translation>Price problem</translation>
    </message>
    <message>
      <source>Other</source>
      <translation>Other</translation>
    </message>
    <message>
      <source>Coins</source>
      <translation>Coins</translation>
    </message>
    <message>
      <source>Refund amount</source>
      <translation>Refund amount</translation>
    </message>
    <message>
      <source>Amount problem</source>
      <translation>Amount problem</translation>
    </message>
    <message>
      <source>Order</source>
      <translation>Order</translation>
    </message>
    <message>
      <source>Choose the order to refund</source>
      <translation>Choose the order to refund</translation>
    </message>
    <message>
      <source>Deduction</source>
      <translation>Deduction</translation>
    </message>
    <message>
      <source>WeChat refund reason</source>
      <translation>WeChat refund reason</translation>
    </message>
    <message>
      <source>Also take back the refunded coins (clawback)</source>
      <translation>Also take back the refunded coins (clawback)</translation>
    </message>
    <message>
      <source>Reason</source>
      <translation>Reason</translation>
    </message>
    <message>
      <source>Required: why (kept in the audit log)</source>
      <translation>Required: why (kept in the audit log)</translation>
    </message>
    <message>
      <source>Reason problem</source>
      <translation>Reason problem</translation>
    </message>
    <message>
      <source>Optional: paste a session key for this action</source>
      <translation>Optional: paste a session key for this action</translation>
    </message>
    <message>
      <source>Session key</source>
      <translation>Session key</translation>
    </message>
    <message>
      <source>Why confirm is disabled</source>
      <translation>Why confirm is disabled</translation>
    </message>
    <message>
      <source>Cancel</source>
      <translation>Cancel</translation>
    </message>
    <message>
      <source>Enter a number of coins.</source>
      <translation>Enter a number of coins.</translation>
    </message>
    <message>
      <source>A reason is required.</source>
      <translation>A reason is required.</translation>
    </message>
    <message>
      <source>An item purchase: no coins to take back.</source>
      <translation>An item purchase: no coins to take back.</translation>
    </message>
    <message>
      <source>This user has no deduction to cancel.</source>
      <translation>This user has no deduction to cancel.</translation>
    </message>
    <message>
      <source>Already delivered</source>
      <translation>Already delivered</translation>
    </message>
    <message>
      <source>Nothing to deliver: this order is “{status}”.</source>
      <translation>Nothing to deliver: this order is “{status}”.</translation>
    </message>
    <message>
      <source>Session key problem</source>
      <translation>Session key problem</translation>
    </message>
    <message>
      <source>Whole coins only: “{typed}” is not a number of coins.</source>
      <translation>Whole coins only: “{typed}” is not a number of coins.</translation>
    </message>
    <message>
      <source>More than the {took} this deduction took.</source>
      <translation>More than the {took} this deduction took.</translation>
    </message>
    <message>
      <source>At most the {took} this deduction took</source>
      <translation>At most the {took} this deduction took</translation>
    </message>
    <message>
      <source>The pasted session key is malformed: WeChat's are 24 characters of base64. Copy it again, or leave it empty to use the stored key.</source>
      <translation>The pasted session key is malformed: WeChat's are 24 characters of base64. Copy it again, or leave it empty to use the stored key.</translation>
    </message>
    <message>
      <source>The user's balance is unknown (no usable session key stored).</source>
      <translation>The user's balance is unknown (no usable session key stored).</translation>
    </message>
    <message>
      <source>Choose the order to refund.</source>
      <translation>Choose the order to refund.</translation>
    </message>
    <message>
      <source>A clawback takes back what a refund gave: no coin limit applies.</source>
      <translation>A clawback takes back what a refund gave: no coin limit applies.</translation>
    </message>
    <message>
      <source>Tell WeChat that order {order} has been delivered; the order becomes “Delivered”. No money moves.</source>
      <translation>Tell WeChat that order {order} has been delivered; the order becomes “Delivered”. No money moves.</translation>
    </message>
    <message>
      <source>Refund {amount} to the user.</source>
      <translation>Refund {amount} to the user.</translation>
    </message>
    <message>
      <source>Order {order} marked as delivered</source>
      <translation>Order {order} marked as delivered</translation>
    </message>
    <message>
      <source>Press the button again to do it anyway.</source>
      <translation>Press the button again to do it anyway.</translation>
    </message>
    <message>
      <source>paid {amount}</source>
      <translation>paid {amount}</translation>
    </message>
    <message>
      <source>refundable {amount}</source>
      <translation>refundable {amount}</translation>
    </message>
    <message>
      <source>This user has no refundable order.</source>
      <translation>This user has no refundable order.</translation>
    </message>
    <message>
      <source>Balance {before} → {after}</source>
      <translation>Balance {before} → {after}</translation>
    </message>
    <message>
      <source>Your limit per action: {limit}</source>
      <translation>Your limit per action: {limit}</translation>
    </message>
    <message>
      <source>left today: {left}</source>
      <translation>left today: {left}</translation>
    </message>
    <message>
      <source>Take back {coins} from the user (the refunded share of the order's coins).</source>
      <translation>Take back {coins} from the user (the refunded share of the order's coins).</translation>
    </message>
    <message>
      <source>At most {left} of this order can be refunded.</source>
      <translation>At most {left} of this order can be refunded.</translation>
    </message>
    <message>
      <source>Then take back {coins} (the refunded share, rounded up), once the refund has gone through.</source>
      <translation>Then take back {coins} (the refunded share, rounded up), once the refund has gone through.</translation>
    </message>
    <message>
      <source>Refund</source>
      <translation>Refund</translation>
    </message>
    <message>
      <source>Coins due {due} · taken {taken} · outstanding {left}</source>
      <translation>Coins due {due} · taken {taken} · outstanding {left}</translation>
    </message>
    <message>
      <source>Enter an amount more than ¥0.</source>
      <translation>Enter an amount more than ¥0.</translation>
    </message>
    <message>
      <source>No coins are outstanding.</source>
      <translation>No coins are outstanding.</translation>
    </message>
    <message>
      <source>{left} stay outstanding (already spent).</source>
      <translation>{left} stay outstanding (already spent).</translation>
    </message>
    <message>
      <source>Order {order} · refunded {fee}</source>
      <translation>Order {order} · refunded {fee}</translation>
    </message>
    <message>
      <source>More than the refundable {left} of this order.</source>
      <translation>More than the refundable {left} of this order.</translation>
    </message>
    <message>
      <source>Users</source>
      <translation>Users</translation>
    </message>
    <message>
      <source>vk-pay / uni-pay order export</source>
      <translation>vk-pay / uni-pay order export</translation>
    </message>
    <message>
      <source>WeChat bill or order export</source>
      <translation>WeChat bill or order export</translation>
    </message>
    <message>
      <source>Saved pushes (folder or JSON lines)</source>
      <translation>Saved pushes (folder or JSON lines)</translation>
    </message>
    <message>
      <source>Session keys (CSV or JSON lines)</source>
      <translation>Session keys (CSV or JSON lines)</translation>
    </message>
    <message>
      <source>about {seconds} s left</source>
      <translation>about {seconds} s left</translation>
    </message>
    <message>
      <source>Import</source>
      <translation>Import</translation>
    </message>
    <message>
      <source>Files</source>
      <translation>Files</translation>
    </message>
    <message>
      <source>Kind of file</source>
      <translation>Kind of file</translation>
    </message>
    <message>
      <source>Import progress</source>
      <translation>Import progress</translation>
    </message>
    <message>
      <source>Close</source>
      <translation>Close</translation>
    </message>
    <message>
      <source>Writing: {done} of {total} rows</source>
      <translation>Writing: {done} of {total} rows</translation>
    </message>
    <message>
      <source>Reading: {rows} rows</source>
      <translation>Reading: {rows} rows</translation>
    </message>
    <message>
      <source>{name}: {added} added, {updated} updated, {unchanged} unchanged, {rejected} rejected</source>
      <translation>{name}: {added} added, {updated} updated, {unchanged} unchanged, {rejected} rejected</translation>
    </message>
    <message>
      <source>line</source>
      <translation>line</translation>
    </message>
    <message>
      <source>{more} more rejected rows</source>
      <translation>{more} more rejected rows</translation>
    </message>
    <message>
      <source>#</source>
      <translation>#</translation>
    </message>
    <message>
      <source>Action</source>
      <translation>Action</translation>
    </message>
    <message>
      <source>Id sent to WeChat</source>
      <translation>Id sent to WeChat</translation>
    </message>
    <message>
      <source>openid</source>
      <translation>openid</translation>
    </message>
    <message>
      <source>Yuan or coins</source>
      <translation>Yuan or coins</translation>
    </message>
    <message>
      <source>State</source>
      <translation>State</translation>
    </message>
    <message>
      <source>Message</source>
      <translation>Message</translation>
    </message>
    <message>
      <source>Orders</source>
      <translation>Orders</translation>
    </message>
    <message>
      <source>Refunds &amp; clawbacks</source>
      <translation>Refunds &amp; clawbacks</translation>
    </message>
    <message>
      <source>Reconciliation</source>
      <translation>Reconciliation</translation>
    </message>
    <message>
      <source>Callback inspector</source>
      <translation>Callback inspector</translation>
    </message>
    <message>
      <source>Signature debugger</source>
      <translation>Signature debugger</translation>
    </message>
    <message>
      <source>Audit log</source>
      <translation>Audit log</translation>
    </message>
    <message>
      <source>Settings</source>
      <translation>Settings</translation>
    </message>
    <message>
      <source>Complaints</source>
      <translation>Complaints</translation>
    </message>
    <message>
      <source>Pending operations</source>
      <translation>Pending operations</translation>
    </message>
    <message>
      <source>Resolve now</source>
      <translation>Resolve now</translation>
    </message>
    <message>
      <source>Why abandon the selected operation (kept in the audit log)</source>
      <translation>Why abandon the selected operation (kept in the audit log)</translation>
    </message>
    <message>
      <source>Note</source>
      <translation>Note</translation>
    </message>
    <message>
      <source>Abandon (never sent to WeChat)</source>
      <translation>Abandon (never sent to WeChat)</translation>
    </message>
    <message>
      <source>Navigation</source>
      <translation>Navigation</translation>
    </message>
    <message>
      <source>Ready</source>
      <translation>Ready</translation>
    </message>
    <message>
      <source>Profile</source>
      <translation>Profile</translation>
    </message>
    <message>
      <source>No profile</source>
      <translation>No profile</translation>
    </message>
    <message>
      <source>Profile: choosing another reopens the window on it</source>
      <translation>Profile: choosing another reopens the window on it</translation>
    </message>
    <message>
      <source>Search openid, order id, WeChat order id, refund id… (Ctrl+K)</source>
      <translation>Search openid, order id, WeChat order id, refund id… (Ctrl+K)</translation>
    </message>
    <message>
      <source>Search</source>
      <translation>Search</translation>
    </message>
    <message>
      <source>Matches</source>
      <translation>Matches</translation>
    </message>
    <message>
      <source>&amp;File</source>
      <translation>&amp;File</translation>
    </message>
    <message>
      <source>Import…</source>
      <translation>Import…</translation>
    </message>
    <message>
      <source>Quit</source>
      <translation>Quit</translation>
    </message>
    <message>
      <source>&amp;Help</source>
      <translation>&amp;Help</translation>
    </message>
    <message>
      <source>Open log folder</source>
      <translation>Open log folder</translation>
    </message>
    <message>
      <source>About XPay Desk</source>
      <translation>About XPay Desk</translation>
    </message>
    <message>
      <source>User</source>
      <translation>User</translation>
    </message>
    <message>
      <source>Coin record</source>
      <translation>Coin record</translation>
    </message>
    <message>
      <source>Abandoned: nothing was sent to WeChat.</source>
      <translation>Abandoned: nothing was sent to WeChat.</translation>
    </message>
    <message>
      <source>XPay Desk</source>
      <translation>XPay Desk</translation>
    </message>
    <message>
      <source>Demo</source>
      <translation>Demo</translation>
    </message>
    <message>
      <source>Operations console for WeChat Mini Program virtual payment.</source>
      <translation>Operations console for WeChat Mini Program virtual payment.</translation>
    </message>
    <message>
      <source>Open complaints: {n}</source>
      <translation>Open complaints: {n}</translation>
    </message>
    <message>
      <source>DEMO MODE — simulated WeChat, no real money</source>
      <translation>DEMO MODE — simulated WeChat, no real money</translation>
    </message>
    <message>
      <source>Sandbox</source>
      <translation>Sandbox</translation>
    </message>
    <message>
      <source>Production</source>
      <translation>Production</translation>
    </message>
    <message>
      <source>Operator</source>
      <translation>Operator</translation>
    </message>
    <message>
      <source>Profile {name} ready</source>
      <translation>Profile {name} ready</translation>
    </message>
    <message>
      <source>Pending: {n}</source>
      <translation>Pending: {n}</translation>
    </message>
    <message>
      <source>{ops} operations not finished, {complaints} open complaints</source>
      <translation>{ops} operations not finished, {complaints} open complaints</translation>
    </message>
    <message>
      <source>Unexpected error (details in the log): </source>
      <translation>Unexpected error (details in the log): </translation>
    </message>
    <message>
      <source>Create or fix a profile below, or start with --demo to try XPay Desk.</source>
      <translation>Create or fix a profile below, or start with --demo to try XPay Desk.</translation>
    </message>
    <message>
      <source>No profile open: </source>
      <translation>No profile open: </translation>
    </message>
    <message>
      <source>DEMO</source>
      <translation>DEMO</translation>
    </message>
    <message>
      <source>SANDBOX — test environment</source>
      <translation>SANDBOX — test environment</translation>
    </message>
    <message>
      <source>Nothing found for {term}</source>
      <translation>Nothing found for {term}</translation>
    </message>
    <message>
      <source>Could not refresh complaints: </source>
      <translation>Could not refresh complaints: </translation>
    </message>
    <message>
      <source>Merchant order id</source>
      <translation>Merchant order id</translation>
    </message>
    <message>
      <source>Kind</source>
      <translation>Kind</translation>
    </message>
    <message>
      <source>Coins or items</source>
      <translation>Coins or items</translation>
    </message>
    <message>
      <source>Paid</source>
      <translation>Paid</translation>
    </message>
    <message>
      <source>Refundable</source>
      <translation>Refundable</translation>
    </message>
    <message>
      <source>Status</source>
      <translation>Status</translation>
    </message>
    <message>
      <source>Created</source>
      <translation>Created</translation>
    </message>
    <message>
      <source>Paid at</source>
      <translation>Paid at</translation>
    </message>
    <message>
      <source>WeChat order id</source>
      <translation>WeChat order id</translation>
    </message>
    <message>
      <source>Channel order id</source>
      <translation>Channel order id</translation>
    </message>
    <message>
      <source>WeChat Pay id</source>
      <translation>WeChat Pay id</translation>
    </message>
    <message>
      <source>Source</source>
      <translation>Source</translation>
    </message>
    <message>
      <source>Environment</source>
      <translation>Environment</translation>
    </message>
    <message>
      <source>When</source>
      <translation>When</translation>
    </message>
    <message>
      <source>Result</source>
      <translation>Result</translation>
    </message>
    <message>
      <source>errcode</source>
      <translation>errcode</translation>
    </message>
    <message>
      <source>Details</source>
      <translation>Details</translation>
    </message>
    <message>
      <source>Concerns</source>
      <translation>Concerns</translation>
    </message>
    <message>
      <source>Attempt</source>
      <translation>Attempt</translation>
    </message>
    <message>
      <source>Error</source>
      <translation>Error</translation>
    </message>
    <message>
      <source>Filter by openid</source>
      <translation>Filter by openid</translation>
    </message>
    <message>
      <source>Filter by action</source>
      <translation>Filter by action</translation>
    </message>
    <message>
      <source>All actions</source>
      <translation>All actions</translation>
    </message>
    <message>
      <source>Verify chain</source>
      <translation>Verify chain</translation>
    </message>
    <message>
      <source>Export CSV…</source>
      <translation>Export CSV…</translation>
    </message>
    <message>
      <source>Export audit log</source>
      <translation>Export audit log</translation>
    </message>
    <message>
      <source>Each row's hash covers the one before it: an edited, deleted or reordered row breaks the chain. A guard against accidents on one desktop, not access control.</source>
      <translation>Each row's hash covers the one before it: an edited, deleted or reordered row breaks the chain. A guard against accidents on one desktop, not access control.</translation>
    </message>
    <message>
      <source>Chain intact: {n} rows</source>
      <translation>Chain intact: {n} rows</translation>
    </message>
    <message>
      <source>The chain is broken:</source>
      <translation>The chain is broken:</translation>
    </message>
    <message>
      <source>{n} rows exported</source>
      <translation>{n} rows exported</translation>
    </message>
    <message>
      <source>Paste the callback URL, its query string, or a server log line</source>
      <translation>Paste the callback URL, its query string, or a server log line</translation>
    </message>
    <message>
      <source>Callback URL or query</source>
      <translation>Callback URL or query</translation>
    </message>
    <message>
      <source>Paste the POST body (JSON or XML); empty for a GET URL verification</source>
      <translation>Paste the POST body (JSON or XML); empty for a GET URL verification</translation>
    </message>
    <message>
      <source>Body</source>
      <translation>Body</translation>
    </message>
    <message>
      <source>Verify and decode</source>
      <translation>Verify and decode</translation>
    </message>
    <message>
      <source>Save to mirror</source>
      <translation>Save to mirror</translation>
    </message>
    <message>
      <source>Event</source>
      <translation>Event</translation>
    </message>
    <message>
      <source>Decrypted text</source>
      <translation>Decrypted text</translation>
    </message>
    <message>
      <source>Expected reply</source>
      <translation>Expected reply</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>Field</translation>
    </message>
    <message>
      <source>Value</source>
      <translation>Value</translation>
    </message>
    <message>
      <source>Meaning</source>
      <translation>Meaning</translation>
    </message>
    <message>
      <source>Checks run in WeChat's order: query, EncodingAESKey, body, msg_signature, Encrypt, signature, base64, length, padding, msg_len, appid, UTF-8. The profile's Token, key and appid are used.</source>
      <translation>Checks run in WeChat's order: query, EncodingAESKey, body, msg_signature, Encrypt, signature, base64, length, padding, msg_len, appid, UTF-8. The profile's Token, key and appid are used.</translation>
    </message>
    <message>
      <source>Decrypted with the previous EncodingAESKey: a key rotation is in progress.</source>
      <translation>Decrypted with the previous EncodingAESKey: a key rotation is in progress.</translation>
    </message>
    <message>
      <source>Push saved to the mirror</source>
      <translation>Push saved to the mirror</translation>
    </message>
    <message>
      <source>This push was already in the mirror</source>
      <translation>This push was already in the mirror</translation>
    </message>
    <message>
      <source>System message</source>
      <translation>System message</translation>
    </message>
    <message>
      <source>Images (*.png *.jpg *.jpeg *.bmp)</source>
      <translation>Images (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
    <message>
      <source>Time left</source>
      <translation>Time left</translation>
    </message>
    <message>
      <source>Problem</source>
      <translation>Problem</translation>
    </message>
    <message>
      <source>Amount paid</source>
      <translation>Amount paid</translation>
    </message>
    <message>
      <source>Complained</source>
      <translation>Complained</translation>
    </message>
    <message>
      <source>What the user wrote</source>
      <translation>What the user wrote</translation>
    </message>
    <message>
      <source>Awaiting first answer</source>
      <translation>Awaiting first answer</translation>
    </message>
    <message>
      <source>In progress</source>
      <translation>In progress</translation>
    </message>
    <message>
      <source>Complete</source>
      <translation>Complete</translation>
    </message>
    <message>
      <source>Refund requested</source>
      <translation>Refund requested</translation>
    </message>
    <message>
      <source>Benefit not working</source>
      <translation>Benefit not working</translation>
    </message>
    <message>
      <source>Trusted user (fast refund)</source>
      <translation>Trusted user (fast refund)</translation>
    </message>
    <message>
      <source>High-risk complaint</source>
      <translation>High-risk complaint</translation>
    </message>
    <message>
      <source>User complained</source>
      <translation>User complained</translation>
    </message>
    <message>
      <source>User complained again</source>
      <translation>User complained again</translation>
    </message>
    <message>
      <source>User replied</source>
      <translation>User replied</translation>
    </message>
    <message>
      <source>WeChat Pay replied</source>
      <translation>WeChat Pay replied</translation>
    </message>
    <message>
      <source>We answered</source>
      <translation>We answered</translation>
    </message>
    <message>
      <source>We marked it complete</source>
      <translation>We marked it complete</translation>
    </message>
    <message>
      <source>User withdrew the complaint</source>
      <translation>User withdrew the complaint</translation>
    </message>
    <message>
      <source>User confirmed it is solved</source>
      <translation>User confirmed it is solved</translation>
    </message>
    <message>
      <source>WeChat Pay asked to help</source>
      <translation>WeChat Pay asked to help</translation>
    </message>
    <message>
      <source>User asked WeChat Pay for help</source>
      <translation>User asked WeChat Pay for help</translation>
    </message>
    <message>
      <source>We approved a refund</source>
      <translation>We approved a refund</translation>
    </message>
    <message>
      <source>We refused a refund</source>
      <translation>We refused a refund</translation>
    </message>
    <message>
      <source>User rated the handling</source>
      <translation>User rated the handling</translation>
    </message>
    <message>
      <source>Fully refunded</source>
      <translation>Fully refunded</translation>
    </message>
    <message>
      <source>Partly refunded</source>
      <translation>Partly refunded</translation>
    </message>
    <message>
      <source>The user received the refund</source>
      <translation>The user received the refund</translation>
    </message>
    <message>
      <source>{h} h {m} min left</source>
      <translation>{h} h {m} min left</translation>
    </message>
    <message>
      <source>Refresh from WeChat</source>
      <translation>Refresh from WeChat</translation>
    </message>
    <message>
      <source>No open complaints. Refresh from WeChat, or save a complaint push, to bring new ones.</source>
      <translation>No open complaints. Refresh from WeChat, or save a complaint push, to bring new ones.</translation>
    </message>
    <message>
      <source>Complaint</source>
      <translation>Complaint</translation>
    </message>
    <message>
      <source>Open user</source>
      <translation>Open user</translation>
    </message>
    <message>
      <source>Complaint id</source>
      <translation>Complaint id</translation>
    </message>
    <message>
      <source>Deadline</source>
      <translation>Deadline</translation>
    </message>
    <message>
      <source>Negotiation history</source>
      <translation>Negotiation history</translation>
    </message>
    <message>
      <source>The user's evidence</source>
      <translation>The user's evidence</translation>
    </message>
    <message>
      <source>Double-click an image to see it</source>
      <translation>Double-click an image to see it</translation>
    </message>
    <message>
      <source>Evidence image</source>
      <translation>Evidence image</translation>
    </message>
    <message>
      <source>Answer the user</source>
      <translation>Answer the user</translation>
    </message>
    <message>
      <source>Answer</source>
      <translation>Answer</translation>
    </message>
    <message>
      <source>What the user will read in WeChat (at most 200 characters)</source>
      <translation>What the user will read in WeChat (at most 200 characters)</translation>
    </message>
    <message>
      <source>Images to send</source>
      <translation>Images to send</translation>
    </message>
    <message>
      <source>Add image…</source>
      <translation>Add image…</translation>
    </message>
    <message>
      <source>Remove images</source>
      <translation>Remove images</translation>
    </message>
    <message>
      <source>Send answer</source>
      <translation>Send answer</translation>
    </message>
    <message>
      <source>Offer a refund…</source>
      <translation>Offer a refund…</translation>
    </message>
    <message>
      <source>Mark complete…</source>
      <translation>Mark complete…</translation>
    </message>
    <message>
      <source>coin top-up</source>
      <translation>coin top-up</translation>
    </message>
    <message>
      <source>item purchase</source>
      <translation>item purchase</translation>
    </message>
    <message>
      <source>Choose a complaint.</source>
      <translation>Choose a complaint.</translation>
    </message>
    <message>
      <source>This complaint is complete.</source>
      <translation>This complaint is complete.</translation>
    </message>
    <message>
      <source>Write the answer the user will read.</source>
      <translation>Write the answer the user will read.</translation>
    </message>
    <message>
      <source>Choose images for the answer</source>
      <translation>Choose images for the answer</translation>
    </message>
    <message>
      <source>Mark this complaint complete at WeChat? Do it only when the user's problem is solved: a user who complains again counts as a repeated complaint.</source>
      <translation>Mark this complaint complete at WeChat? Do it only when the user's problem is solved: a user who complains again counts as a repeated complaint.</translation>
    </message>
    <message>
      <source>Confirm: mark complete</source>
      <translation>Confirm: mark complete</translation>
    </message>
    <message>
      <source>first answer</source>
      <translation>first answer</translation>
    </message>
    <message>
      <source>completion</source>
      <translation>completion</translation>
    </message>
    <message>
      <source>The order is not in the mirror.</source>
      <translation>The order is not in the mirror.</translation>
    </message>
    <message>
      <source>{kind} · paid {paid} · refundable {left} · {status}</source>
      <translation>{kind} · paid {paid} · refundable {left} · {status}</translation>
    </message>
    <message>
      <source>Nothing left to refund on this order.</source>
      <translation>Nothing left to refund on this order.</translation>
    </message>
    <message>
      <source>overdue by {h} h {m} min</source>
      <translation>overdue by {h} h {m} min</translation>
    </message>
    <message>
      <source>{n} open complaints, {late} overdue</source>
      <translation>{n} open complaints, {late} overdue</translation>
    </message>
    <message>
      <source>the user wrote again and waits for an answer</source>
      <translation>the user wrote again and waits for an answer</translation>
    </message>
    <message>
      <source>The user sent no images.</source>
      <translation>The user sent no images.</translation>
    </message>
    <message>
      <source>At most {n} characters.</source>
      <translation>At most {n} characters.</translation>
    </message>
    <message>
      <source>{n} / {max} characters</source>
      <translation>{n} / {max} characters</translation>
    </message>
    <message>
      <source>Mark complete — {id}</source>
      <translation>Mark complete — {id}</translation>
    </message>
    <message>
      <source>The image could not be read.</source>
      <translation>The image could not be read.</translation>
    </message>
    <message>
      <source>User complaint {id}</source>
      <translation>User complaint {id}</translation>
    </message>
    <message>
      <source>Answer sent to the user</source>
      <translation>Answer sent to the user</translation>
    </message>
    <message>
      <source>Complaint marked complete</source>
      <translation>Complaint marked complete</translation>
    </message>
    <message>
      <source>{n} new complaints</source>
      <translation>{n} new complaints</translation>
    </message>
    <message>
      <source>asks for {amount}</source>
      <translation>asks for {amount}</translation>
    </message>
    <message>
      <source>Image {n}</source>
      <translation>Image {n}</translation>
    </message>
    <message>
      <source>Images attached: {n}</source>
      <translation>Images attached: {n}</translation>
    </message>
    <message>
      <source>Refund id</source>
      <translation>Refund id</translation>
    </message>
    <message>
      <source>Finished</source>
      <translation>Finished</translation>
    </message>
    <message>
      <source>All statuses</source>
      <translation>All statuses</translation>
    </message>
    <message>
      <source>Paid, not delivered</source>
      <translation>Paid, not delivered</translation>
    </message>
    <message>
      <source>Delivered</source>
      <translation>Delivered</translation>
    </message>
    <message>
      <source>Refunded</source>
      <translation>Refunded</translation>
    </message>
    <message>
      <source>Refund failed</source>
      <translation>Refund failed</translation>
    </message>
    <message>
      <source>Awaiting payment</source>
      <translation>Awaiting payment</translation>
    </message>
    <message>
      <source>Closed</source>
      <translation>Closed</translation>
    </message>
    <message>
      <source>All kinds</source>
      <translation>All kinds</translation>
    </message>
    <message>
      <source>Coin top-up</source>
      <translation>Coin top-up</translation>
    </message>
    <message>
      <source>Item purchase</source>
      <translation>Item purchase</translation>
    </message>
    <message>
      <source>From</source>
      <translation>From</translation>
    </message>
    <message>
      <source>Apply</source>
      <translation>Apply</translation>
    </message>
    <message>
      <source>Columns</source>
      <translation>Columns</translation>
    </message>
    <message>
      <source>No orders yet. Import a vk-pay export or refresh from WeChat.</source>
      <translation>No orders yet. Import a vk-pay export or refresh from WeChat.</translation>
    </message>
    <message>
      <source>Open this user</source>
      <translation>Open this user</translation>
    </message>
    <message>
      <source>History</source>
      <translation>History</translation>
    </message>
    <message>
      <source>Refunds</source>
      <translation>Refunds</translation>
    </message>
    <message>
      <source>Ledger</source>
      <translation>Ledger</translation>
    </message>
    <message>
      <source>Raw record</source>
      <translation>Raw record</translation>
    </message>
    <message>
      <source>Double-click an order to open its user.</source>
      <translation>Double-click an order to open its user.</translation>
    </message>
    <message>
      <source>to</source>
      <translation>to</translation>
    </message>
    <message>
      <source>{n} orders</source>
      <translation>{n} orders</translation>
    </message>
    <message>
      <source>Refund started</source>
      <translation>Refund started</translation>
    </message>
    <message>
      <source>Refund finished</source>
      <translation>Refund finished</translation>
    </message>
    <message>
      <source>Reconciliation: {why}. Suggested fix: {fix}</source>
      <translation>Reconciliation: {why}. Suggested fix: {fix}</translation>
    </message>
    <message>
      <source>Daily refunds against clawbacks</source>
      <translation>Daily refunds against clawbacks</translation>
    </message>
    <message>
      <source>Per day: refunded (red), coins clawed back at the coin rate (green)</source>
      <translation>Per day: refunded (red), coins clawed back at the coin rate (green)</translation>
    </message>
    <message>
      <source>This month</source>
      <translation>This month</translation>
    </message>
    <message>
      <source>Last month</source>
      <translation>Last month</translation>
    </message>
    <message>
      <source>Last 90 days</source>
      <translation>Last 90 days</translation>
    </message>
    <message>
      <source>Custom</source>
      <translation>Custom</translation>
    </message>
    <message>
      <source>Run report</source>
      <translation>Run report</translation>
    </message>
    <message>
      <source>Export…</source>
      <translation>Export…</translation>
    </message>
    <message>
      <source>Days no WeChat bill covers</source>
      <translation>Days no WeChat bill covers</translation>
    </message>
    <message>
      <source>Double-click a day to see the orders behind its figures.</source>
      <translation>Double-click a day to see the orders behind its figures.</translation>
    </message>
    <message>
      <source>1 refund</source>
      <translation>1 refund</translation>
    </message>
    <message>
      <source>{n} refunds</source>
      <translation>{n} refunds</translation>
    </message>
    <message>
      <source>1 discrepancy</source>
      <translation>1 discrepancy</translation>
    </message>
    <message>
      <source>{n} discrepancies</source>
      <translation>{n} discrepancies</translation>
    </message>
    <message>
      <source>1 open item</source>
      <translation>1 open item</translation>
    </message>
    <message>
      <source>{n} open items</source>
      <translation>{n} open items</translation>
    </message>
    <message>
      <source>Needs user login</source>
      <translation>Needs user login</translation>
    </message>
    <message>
      <source>Choose a period and run the report</source>
      <translation>Choose a period and run the report</translation>
    </message>
    <message>
      <source>Payment</source>
      <translation>Payment</translation>
    </message>
    <message>
      <source>Record</source>
      <translation>Record</translation>
    </message>
    <message>
      <source>Order or refund id</source>
      <translation>Order or refund id</translation>
    </message>
    <message>
      <source>Amount</source>
      <translation>Amount</translation>
    </message>
    <message>
      <source>Time</source>
      <translation>Time</translation>
    </message>
    <message>
      <source>Payments and refunds on {day}</source>
      <translation>Payments and refunds on {day}</translation>
    </message>
    <message>
      <source>Double-click a day to see the payments and refunds behind its figures.</source>
      <translation>Double-click a day to see the payments and refunds behind its figures.</translation>
    </message>
    <message>
      <source>Payment received</source>
      <translation>Payment received</translation>
    </message>
    <message>
      <source>Export report</source>
      <translation>Export report</translation>
    </message>
    <message>
      <source>Double-click a discrepancy to open its order.</source>
      <translation>Double-click a discrepancy to open its order.</translation>
    </message>
    <message>
      <source>{day}: refunded {refunded}; clawed back {coins} (≈ {value})</source>
      <translation>{day}: refunded {refunded}; clawed back {coins} (≈ {value})</translation>
    </message>
    <message>
      <source>No data for this period</source>
      <translation>No data for this period</translation>
    </message>
    <message>
      <source>No coins were clawed back in this period</source>
      <translation>No coins were clawed back in this period</translation>
    </message>
    <message>
      <source>Gross paid</source>
      <translation>Gross paid</translation>
    </message>
    <message>
      <source>Coins not clawed back</source>
      <translation>Coins not clawed back</translation>
    </message>
    <message>
      <source>Waiting for user login</source>
      <translation>Waiting for user login</translation>
    </message>
    <message>
      <source>Discrepancies</source>
      <translation>Discrepancies</translation>
    </message>
    <message>
      <source>Open items</source>
      <translation>Open items</translation>
    </message>
    <message>
      <source>The end date is before the start date.</source>
      <translation>The end date is before the start date.</translation>
    </message>
    <message>
      <source>Orders paid on {day}</source>
      <translation>Orders paid on {day}</translation>
    </message>
    <message>
      <source>Exported to {path}</source>
      <translation>Exported to {path}</translation>
    </message>
    <message>
      <source>Refund status</source>
      <translation>Refund status</translation>
    </message>
    <message>
      <source>Clawback</source>
      <translation>Clawback</translation>
    </message>
    <message>
      <source>Coins due</source>
      <translation>Coins due</translation>
    </message>
    <message>
      <source>Coins taken</source>
      <translation>Coins taken</translation>
    </message>
    <message>
      <source>Coins outstanding</source>
      <translation>Coins outstanding</translation>
    </message>
    <message>
      <source>Started</source>
      <translation>Started</translation>
    </message>
    <message>
      <source>Only refunds whose coins are not back yet</source>
      <translation>Only refunds whose coins are not back yet</translation>
    </message>
    <message>
      <source>Start clawback</source>
      <translation>Start clawback</translation>
    </message>
    <message>
      <source>Why no clawback can start</source>
      <translation>Why no clawback can start</translation>
    </message>
    <message>
      <source>Check refunds in flight</source>
      <translation>Check refunds in flight</translation>
    </message>
    <message>
      <source>Double-click a refund to open its order.</source>
      <translation>Double-click a refund to open its order.</translation>
    </message>
    <message>
      <source>No refunds yet. Refunds started here or imported appear in this list.</source>
      <translation>No refunds yet. Refunds started here or imported appear in this list.</translation>
    </message>
    <message>
      <source>WeChat refund id</source>
      <translation>WeChat refund id</translation>
    </message>
    <message>
      <source>Select a refund to take back its coins.</source>
      <translation>Select a refund to take back its coins.</translation>
    </message>
    <message>
      <source>Open the order</source>
      <translation>Open the order</translation>
    </message>
    <message>
      <source>{n} refunds, {due} with coins still due</source>
      <translation>{n} refunds, {due} with coins still due</translation>
    </message>
    <message>
      <source>Name</source>
      <translation>Name</translation>
    </message>
    <message>
      <source>appid</source>
      <translation>appid</translation>
    </message>
    <message>
      <source>Role</source>
      <translation>Role</translation>
    </message>
    <message>
      <source>Notes</source>
      <translation>Notes</translation>
    </message>
    <message>
      <source>WeChat accepted the access_token and the pay_sig</source>
      <translation>WeChat accepted the access_token and the pay_sig</translation>
    </message>
    <message>
      <source>Secrets</source>
      <translation>Secrets</translation>
    </message>
    <message>
      <source>Preferences</source>
      <translation>Preferences</translation>
    </message>
    <message>
      <source>Language</source>
      <translation>Language</translation>
    </message>
    <message>
      <source>Your limits</source>
      <translation>Your limits</translation>
    </message>
    <message>
      <source>Optional: an openid whose session key to check</source>
      <translation>Optional: an openid whose session key to check</translation>
    </message>
    <message>
      <source>Test connection</source>
      <translation>Test connection</translation>
    </message>
    <message>
      <source>Profiles</source>
      <translation>Profiles</translation>
    </message>
    <message>
      <source>Session key check: {state}</source>
      <translation>Session key check: {state}</translation>
    </message>
    <message>
      <source>Choosing a language reopens the window in it.</source>
      <translation>Choosing a language reopens the window in it.</translation>
    </message>
    <message>
      <source>A guard rail against mistakes on one desktop, not access control.</source>
      <translation>A guard rail against mistakes on one desktop, not access control.</translation>
    </message>
    <message>
      <source>New profile…</source>
      <translation>New profile…</translation>
    </message>
    <message>
      <source>Edit…</source>
      <translation>Edit…</translation>
    </message>
    <message>
      <source>Open this profile</source>
      <translation>Open this profile</translation>
    </message>
    <message>
      <source>Choose a profile in the list first.</source>
      <translation>Choose a profile in the list first.</translation>
    </message>
    <message>
      <source>The demo profile is built at each start; create your own instead.</source>
      <translation>The demo profile is built at each start; create your own instead.</translation>
    </message>
    <message>
      <source>API address</source>
      <translation>API address</translation>
    </message>
    <message>
      <source>Coins per yuan</source>
      <translation>Coins per yuan</translation>
    </message>
    <message>
      <source>Mirror</source>
      <translation>Mirror</translation>
    </message>
    <message>
      <source>Profile file</source>
      <translation>Profile file</translation>
    </message>
    <message>
      <source>not set</source>
      <translation>not set</translation>
    </message>
    <message>
      <source>new value</source>
      <translation>new value</translation>
    </message>
    <message>
      <source>Store in keyring</source>
      <translation>Store in keyring</translation>
    </message>
    <message>
      <source>opens at start</source>
      <translation>opens at start</translation>
    </message>
    <message>
      <source>open now</source>
      <translation>open now</translation>
    </message>
    <message>
      <source>Profile {name} saved. Open it with “Open this profile”.</source>
      <translation>Profile {name} saved. Open it with “Open this profile”.</translation>
    </message>
    <message>
      <source>{field} stored in the OS keyring; it applies the next time the profile is opened.</source>
      <translation>{field} stored in the OS keyring; it applies the next time the profile is opened.</translation>
    </message>
    <message>
      <source>Profiles file: {path}</source>
      <translation>Profiles file: {path}</translation>
    </message>
    <message>
      <source>No profiles yet in {path}. Create one with “New profile…”.</source>
      <translation>No profiles yet in {path}. Create one with “New profile…”.</translation>
    </message>
    <message>
      <source>temporary, rebuilt at each demo start</source>
      <translation>temporary, rebuilt at each demo start</translation>
    </message>
    <message>
      <source>Empty: the profile's AppKey for its environment</source>
      <translation>Empty: the profile's AppKey for its environment</translation>
    </message>
    <message>
      <source>Optional: the user's session_key text</source>
      <translation>Optional: the user's session_key text</translation>
    </message>
    <message>
      <source>Optional: the pay_sig or signature you sent</source>
      <translation>Optional: the pay_sig or signature you sent</translation>
    </message>
    <message>
      <source>Sign</source>
      <translation>Sign</translation>
    </message>
    <message>
      <source>Signed message (whitespace shown):</source>
      <translation>Signed message (whitespace shown):</translation>
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
      <translation>Compare with</translation>
    </message>
    <message>
      <source>pay_sig = HMAC-SHA256(AppKey, uri + '&amp;' + body); signature = HMAC-SHA256(session_key text, body). The body must be the exact bytes sent.</source>
      <translation>pay_sig = HMAC-SHA256(AppKey, uri + '&amp;' + body); signature = HMAC-SHA256(session_key text, body). The body must be the exact bytes sent.</translation>
    </message>
    <message>
      <source>Differs</source>
      <translation>Differs</translation>
    </message>
    <message>
      <source>(no AppKey)</source>
      <translation>(no AppKey)</translation>
    </message>
    <message>
      <source>(no session key)</source>
      <translation>(no session key)</translation>
    </message>
    <message>
      <source>Reference</source>
      <translation>Reference</translation>
    </message>
    <message>
      <source>Needs</source>
      <translation>Needs</translation>
    </message>
    <message>
      <source>Since</source>
      <translation>Since</translation>
    </message>
    <message>
      <source>Last activity</source>
      <translation>Last activity</translation>
    </message>
    <message>
      <source>openid, e.g. oXpd12…</source>
      <translation>openid, e.g. oXpd12…</translation>
    </message>
    <message>
      <source>Look up</source>
      <translation>Look up</translation>
    </message>
    <message>
      <source>All users</source>
      <translation>All users</translation>
    </message>
    <message>
      <source>This user's orders</source>
      <translation>This user's orders</translation>
    </message>
    <message>
      <source>Double-click an order or refund to open it on its page.</source>
      <translation>Double-click an order or refund to open it on its page.</translation>
    </message>
    <message>
      <source>Select an entry to see the records behind it (the action, its audit rows).</source>
      <translation>Select an entry to see the records behind it (the action, its audit rows).</translation>
    </message>
    <message>
      <source>Enter an openid to see the user's balance, session key and everything that happened to them; or open one of the users below.</source>
      <translation>Enter an openid to see the user's balance, session key and everything that happened to them; or open one of the users below.</translation>
    </message>
    <message>
      <source>Balance</source>
      <translation>Balance</translation>
    </message>
    <message>
      <source>Check session key</source>
      <translation>Check session key</translation>
    </message>
    <message>
      <source>Needs attention</source>
      <translation>Needs attention</translation>
    </message>
    <message>
      <source>Recent users</source>
      <translation>Recent users</translation>
    </message>
    <message>
      <source>This openid has no orders in the mirror.</source>
      <translation>This openid has no orders in the mirror.</translation>
    </message>
    <message>
      <source>Order {id}</source>
      <translation>Order {id}</translation>
    </message>
    <message>
      <source>Gifted</source>
      <translation>Gifted</translation>
    </message>
    <message>
      <source>Bought in total</source>
      <translation>Bought in total</translation>
    </message>
    <message>
      <source>Gifted in total</source>
      <translation>Gifted in total</translation>
    </message>
    <message>
      <source>Spent in total</source>
      <translation>Spent in total</translation>
    </message>
    <message>
      <source>First top-up offer</source>
      <translation>First top-up offer</translation>
    </message>
    <message>
      <source>Looked up here</source>
      <translation>Looked up here</translation>
    </message>
    <message>
      <source>Operator action</source>
      <translation>Operator action</translation>
    </message>
    <message>
      <source>{mask}, obtained {obtained}, checked {checked}</source>
      <translation>{mask}, obtained {obtained}, checked {checked}</translation>
    </message>
    <message>
      <source>Yes</source>
      <translation>Yes</translation>
    </message>
    <message>
      <source>No</source>
      <translation>No</translation>
    </message>
    <message>
      <source>records</source>
      <translation>records</translation>
    </message>
    <message>
      <source>appid (wx + 16 characters)</source>
      <translation>appid (wx + 16 characters)</translation>
    </message>
    <message>
      <source>Merchant id (mch_id)</source>
      <translation>Merchant id (mch_id)</translation>
    </message>
    <message>
      <source>Offer id (offer_id)</source>
      <translation>Offer id (offer_id)</translation>
    </message>
    <message>
      <source>Push receiver appid (optional)</source>
      <translation>Push receiver appid (optional)</translation>
    </message>
    <message>
      <source>Session key endpoint (optional)</source>
      <translation>Session key endpoint (optional)</translation>
    </message>
    <message>
      <source>AppKey (production)</source>
      <translation>AppKey (production)</translation>
    </message>
    <message>
      <source>AppKey (sandbox)</source>
      <translation>AppKey (sandbox)</translation>
    </message>
    <message>
      <source>AppSecret</source>
      <translation>AppSecret</translation>
    </message>
    <message>
      <source>Push token</source>
      <translation>Push token</translation>
    </message>
    <message>
      <source>EncodingAESKey</source>
      <translation>EncodingAESKey</translation>
    </message>
    <message>
      <source>Profile name</source>
      <translation>Profile name</translation>
    </message>
    <message>
      <source>Open this profile when XPay Desk starts</source>
      <translation>Open this profile when XPay Desk starts</translation>
    </message>
    <message>
      <source>Save</source>
      <translation>Save</translation>
    </message>
    <message>
      <source>New profile</source>
      <translation>New profile</translation>
    </message>
    <message>
      <source>Edit profile</source>
      <translation>Edit profile</translation>
    </message>
    <message>
      <source>Keys go to the OS keyring and are never shown again, not even here.</source>
      <translation>Keys go to the OS keyring and are never shown again, not even here.</translation>
    </message>
    <message>
      <source>stored in the OS keyring</source>
      <translation>stored in the OS keyring</translation>
    </message>
    <message>
      <source>empty: keep the stored</source>
      <translation>empty: keep the stored</translation>
    </message>
    <message>
      <source>Copy details</source>
      <translation>Copy details</translation>
    </message>
    <message>
      <source>Copy</source>
      <translation>Copy</translation>
    </message>
    <message>
      <source>Keep as rejected (changes nothing)</source>
      <translation>Keep as rejected (changes nothing)</translation>
    </message>
    <message>
      <source>Not trusted: this push failed the checks, so nothing in it tells whether the user paid. Ask WeChat (Orders page, Refresh from WeChat).</source>
      <translation>Not trusted: this push failed the checks, so nothing in it tells whether the user paid. Ask WeChat (Orders page, Refresh from WeChat).</translation>
    </message>
    <message>
      <source>Rejected push kept, marked rejected: it changed nothing in the mirror</source>
      <translation>Rejected push kept, marked rejected: it changed nothing in the mirror</translation>
    </message>
    <message>
      <source>This rejected push was already kept</source>
      <translation>This rejected push was already kept</translation>
    </message>
    <message>
      <source>A URL verification: WeChat checks the server; no payment in it.</source>
      <translation>A URL verification: WeChat checks the server; no payment in it.</translation>
    </message>
    <message>
      <source>WeChat says: the user paid {amount} ({what}) at {time}, order {order}.</source>
      <translation>WeChat says: the user paid {amount} ({what}) at {time}, order {order}.</translation>
    </message>
    <message>
      <source>succeeded</source>
      <translation>succeeded</translation>
    </message>
    <message>
      <source>failed: {why}</source>
      <translation>failed: {why}</translation>
    </message>
    <message>
      <source>WeChat says: refund {refund} of {amount} for order {order} {outcome}.</source>
      <translation>WeChat says: refund {refund} of {amount} for order {order} {outcome}.</translation>
    </message>
    <message>
      <source>WeChat says: {event}, order {order}.</source>
      <translation>WeChat says: {event}, order {order}.</translation>
    </message>
    <message>
      <source>This order is not in the mirror yet; saving the push adds it.</source>
      <translation>This order is not in the mirror yet; saving the push adds it.</translation>
    </message>
    <message>
      <source>This order is not in the mirror.</source>
      <translation>This order is not in the mirror.</translation>
    </message>
    <message>
      <source>In the mirror: {status}, paid {paid}.</source>
      <translation>In the mirror: {status}, paid {paid}.</translation>
    </message>
    <message>
      <source>The demo runs from a temporary file: {path}</source>
      <translation>The demo runs from a temporary file: {path}</translation>
    </message>
    <message>
      <source>Preparing the demo…</source>
      <translation>Preparing the demo…</translation>
    </message>
    <message>
      <source>Not trusted: failed the checks</source>
      <translation>Not trusted: failed the checks</translation>
    </message>
    <message>
      <source>failed</source>
      <translation>failed</translation>
    </message>
    <message>
      <source>Log in to the team server</source>
      <translation>Log in to the team server</translation>
    </message>
    <message>
      <source>Team server</source>
      <translation>Team server</translation>
    </message>
    <message>
      <source>Operator name</source>
      <translation>Operator name</translation>
    </message>
    <message>
      <source>Password</source>
      <translation>Password</translation>
    </message>
    <message>
      <source>6 digits from your authenticator app</source>
      <translation>6 digits from your authenticator app</translation>
    </message>
    <message>
      <source>One-time code</source>
      <translation>One-time code</translation>
    </message>
    <message>
      <source>Log in</source>
      <translation>Log in</translation>
    </message>
    <message>
      <source>Your role cannot ask WeChat: support, finance and admin operators can.</source>
      <translation>Your role cannot ask WeChat: support, finance and admin operators can.</translation>
    </message>
    <message>
      <source>Log in again</source>
      <translation>Log in again</translation>
    </message>
    <message>
      <source>Solo</source>
      <translation>Solo</translation>
    </message>
    <message>
      <source>Team</source>
      <translation>Team</translation>
    </message>
    <message>
      <source>left today</source>
      <translation>left today</translation>
    </message>
    <message>
      <source>no limit</source>
      <translation>no limit</translation>
    </message>
    <message>
      <source>Solo: the keys on this desktop</source>
      <translation>Solo: the keys on this desktop</translation>
    </message>
    <message>
      <source>Team: a team server</source>
      <translation>Team: a team server</translation>
    </message>
    <message>
      <source>Team server address</source>
      <translation>Team server address</translation>
    </message>
    <message>
      <source>Your login name on the team server</source>
      <translation>Your login name on the team server</translation>
    </message>
    <message>
      <source>A team desktop holds no key: the team server keeps them and decides the environment and your role. You log in when the profile opens.</source>
      <translation>A team desktop holds no key: the team server keeps them and decides the environment and your role. You log in when the profile opens.</translation>
    </message>
    <message>
      <source>Money actions are paused until the team server can be reached again.</source>
      <translation>Money actions are paused until the team server can be reached again.</translation>
    </message>
    <message>
      <source>Team server unreachable · showing data from {time} (Beijing) · money actions paused</source>
      <translation>Team server unreachable · showing data from {time} (Beijing) · money actions paused</translation>
    </message>
    <message>
      <source>Connection to the team server</source>
      <translation>Connection to the team server</translation>
    </message>
    <message>
      <source>Needs approval</source>
      <translation>Needs approval</translation>
    </message>
    <message>
      <source>Sent for approval.</source>
      <translation>Sent for approval.</translation>
    </message>
    <message>
      <source>This amount needs approval: confirming sends a request, and nothing moves until another finance or admin operator approves it.</source>
      <translation>This amount needs approval: confirming sends a request, and nothing moves until another finance or admin operator approves it.</translation>
    </message>
    <message>
      <source>Sent for approval (request {id}): nothing has moved yet. It runs when another finance or admin operator approves it; follow it on the Approvals page.</source>
      <translation>Sent for approval (request {id}): nothing has moved yet. It runs when another finance or admin operator approves it; follow it on the Approvals page.</translation>
    </message>
    <message>
      <source>Request approval: {action}</source>
      <translation>Request approval: {action}</translation>
    </message>
    <message>
      <source>Approvals</source>
      <translation>Approvals</translation>
    </message>
    <message>
      <source>Requests waiting for your approval: {n}</source>
      <translation>Requests waiting for your approval: {n}</translation>
    </message>
    <message>
      <source>Waiting for approval</source>
      <translation>Waiting for approval</translation>
    </message>
    <message>
      <source>Approved</source>
      <translation>Approved</translation>
    </message>
    <message>
      <source>Rejected</source>
      <translation>Rejected</translation>
    </message>
    <message>
      <source>Expired</source>
      <translation>Expired</translation>
    </message>
    <message>
      <source>Requested by</source>
      <translation>Requested by</translation>
    </message>
    <message>
      <source>Requested</source>
      <translation>Requested</translation>
    </message>
    <message>
      <source>Expires</source>
      <translation>Expires</translation>
    </message>
    <message>
      <source>Decided by</source>
      <translation>Decided by</translation>
    </message>
    <message>
      <source>Decision reason</source>
      <translation>Decision reason</translation>
    </message>
    <message>
      <source>Asked by {who} at {when} · reason: {reason}</source>
      <translation>Asked by {who} at {when} · reason: {reason}</translation>
    </message>
    <message>
      <source>Expires {when} (Beijing)</source>
      <translation>Expires {when} (Beijing)</translation>
    </message>
    <message>
      <source>Approving runs it now, as {who}'s action, with you named as the approver in the audit log.</source>
      <translation>Approving runs it now, as {who}'s action, with you named as the approver in the audit log.</translation>
    </message>
    <message>
      <source>Waiting for me</source>
      <translation>Waiting for me</translation>
    </message>
    <message>
      <source>What approving does</source>
      <translation>What approving does</translation>
    </message>
    <message>
      <source>Required: why you approve or reject (kept in the audit log)</source>
      <translation>Required: why you approve or reject (kept in the audit log)</translation>
    </message>
    <message>
      <source>Approve</source>
      <translation>Approve</translation>
    </message>
    <message>
      <source>Reject</source>
      <translation>Reject</translation>
    </message>
    <message>
      <source>Why approve and reject are disabled</source>
      <translation>Why approve and reject are disabled</translation>
    </message>
    <message>
      <source>My requests</source>
      <translation>My requests</translation>
    </message>
    <message>
      <source>You have asked for no approval yet.</source>
      <translation>You have asked for no approval yet.</translation>
    </message>
    <message>
      <source>Select a request to decide.</source>
      <translation>Select a request to decide.</translation>
    </message>
    <message>
      <source>{action}: {n} rows, {amount} in total</source>
      <translation>{action}: {n} rows, {amount} in total</translation>
    </message>
    <message>
      <source>Gift {amount} to user {user}</source>
      <translation>Gift {amount} to user {user}</translation>
    </message>
    <message>
      <source>Nothing is waiting for your approval.</source>
      <translation>Nothing is waiting for your approval.</translation>
    </message>
    <message>
      <source>Deduct {amount} from user {user}</source>
      <translation>Deduct {amount} from user {user}</translation>
    </message>
    <message>
      <source>, then take back the refunded share of its coins</source>
      <translation>, then take back the refunded share of its coins</translation>
    </message>
    <message>
      <source>Your role ({role}) cannot approve: finance and admin operators can.</source>
      <translation>Your role ({role}) cannot approve: finance and admin operators can.</translation>
    </message>
    <message>
      <source>Refund {amount} of order {order} to user {user}</source>
      <translation>Refund {amount} of order {order} to user {user}</translation>
    </message>
    <message>
      <source>Waiting for my approval: {n}</source>
      <translation>Waiting for my approval: {n}</translation>
    </message>
    <message>
      <source>Request {id}: {state}</source>
      <translation>Request {id}: {state}</translation>
    </message>
    <message>
      <source>Nothing to resolve: no operation is pending.</source>
      <translation>Nothing to resolve: no operation is pending.</translation>
    </message>
    <message>
      <source>, then take back {coins} (the refunded share of its coins)</source>
      <translation>, then take back {coins} (the refunded share of its coins)</translation>
    </message>
    <message>
      <source>Run a report first: there is nothing to export yet.</source>
      <translation>Run a report first: there is nothing to export yet.</translation>
    </message>
    <message>
      <source>Export this report (Excel, CSV or JSON)</source>
      <translation>Export this report (Excel, CSV or JSON)</translation>
    </message>
    <message>
      <source>Spent in total as WeChat reports it, clawbacks included</source>
      <translation>Spent in total as WeChat reports it, clawbacks included</translation>
    </message>
    <message>
      <source>asked by {who}</source>
      <translation>asked by {who}</translation>
    </message>
    <message>
      <source>decided by {who}</source>
      <translation>decided by {who}</translation>
    </message>
    <message>
      <source>then take back {coins}</source>
      <translation>then take back {coins}</translation>
    </message>
    <message>
      <source>Spent in total (as WeChat reports)</source>
      <translation>Spent in total (as WeChat reports)</translation>
    </message>
    <message>
      <source>Session ended (an admin may have disabled you, or you logged out)</source>
      <translation>Session ended (an admin may have disabled you, or you logged out)</translation>
    </message>
    <message>
      <source>The session with the team server has ended: log in again to continue.</source>
      <translation>The session with the team server has ended: log in again to continue.</translation>
    </message>
    <message>
      <source>Logged in again: the session goes on.</source>
      <translation>Logged in again: the session goes on.</translation>
    </message>
    <message>
      <source>The team server applies these limits to every action you take.</source>
      <translation>The team server applies these limits to every action you take.</translation>
    </message>
    <message>
      <source>Your role ({role}) moves no money.</source>
      <translation>Your role ({role}) moves no money.</translation>
    </message>
    <message>
      <source>team server unreachable: as of {time} (Beijing)</source>
      <translation>team server unreachable: as of {time} (Beijing)</translation>
    </message>
    <message>
      <source>The team server is unreachable: this list can't be loaded now.</source>
      <translation>The team server is unreachable: this list can't be loaded now.</translation>
    </message>
    <message>
      <source>{what} can't be loaded now: the team server is unreachable.</source>
      <translation>{what} can't be loaded now: the team server is unreachable.</translation>
    </message>
    <message>
      <source>Order {order}</source>
      <translation>Order {order}</translation>
    </message>
    <message>
      <source>Refund started; it is followed until it ends</source>
      <translation>Refund started; it is followed until it ends</translation>
    </message>
    <message>
      <source>Balance after approval {before} → {after} (nothing moves until then)</source>
      <translation>Balance after approval {before} → {after} (nothing moves until then)</translation>
    </message>
  </context>
</TS>
