// xpaydesk-session-key.js: in your login handler (a uniCloud / vk-pay cloud function, Express,
// ...), right after code2Session: `await sendSessionKey(openid, session_key)`. Node 18+ (fetch).
// XPAYDESK_URL is the team server (https://...); XPAYDESK_BACKEND_TOKEN comes from
// `xpaydesk-server backend add NAME`: keep it with your other secrets, never in the mini program.
'use strict';

async function sendSessionKey(openid, sessionKey) {
  try {
    const response = await fetch(`${process.env.XPAYDESK_URL}/backend/v1/session-key`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: `Bearer ${process.env.XPAYDESK_BACKEND_TOKEN}`,
      },
      body: JSON.stringify({ openid, session_key: sessionKey }),
      signal: AbortSignal.timeout(3000), // never hold up the user's login
    });
    if (!response.ok) {
      console.warn(`xpaydesk: session key refused (HTTP ${response.status})`);
      return null;
    }
    return await response.json(); // {stored, clawbacks}: never the key
  } catch (error) {
    console.warn(`xpaydesk: team server unreachable (${error.name})`);
    return null;
  }
}

module.exports = { sendSessionKey };

if (require.main === module) {
  // node xpaydesk-session-key.js < login.json   ({"openid": ..., "session_key": ...})
  let input = '';
  process.stdin.on('data', (chunk) => (input += chunk));
  process.stdin.on('end', async () => {
    const login = JSON.parse(input);
    const answer = await sendSessionKey(login.openid, login.session_key);
    console.log(JSON.stringify(answer));
    process.exitCode = answer ? 0 : 1;
  });
}
