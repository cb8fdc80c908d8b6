"""xpaydesk_session_key.py: in your login handler (Flask, Django, FastAPI, ...), right after
code2Session: `send_session_key(openid, session_key)`. Python 3.8+, standard library only.
XPAYDESK_URL is the team server (https://...); XPAYDESK_BACKEND_TOKEN comes from
`xpaydesk-server backend add NAME`: keep it with your other secrets, never in the mini program."""

import json
import os
import sys
import urllib.error
import urllib.request


def send_session_key(openid, session_key):
    request = urllib.request.Request(
        os.environ["XPAYDESK_URL"] + "/backend/v1/session-key",
        data=json.dumps({"openid": openid, "session_key": session_key}).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": "Bearer " + os.environ["XPAYDESK_BACKEND_TOKEN"],
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=3) as response:  # never hold up the login
            return json.load(response)  # {"stored", "clawbacks"}: never the key
    except urllib.error.HTTPError as error:
        error.close()
        print(f"xpaydesk: session key refused (HTTP {error.code})", file=sys.stderr)
    except (urllib.error.URLError, TimeoutError) as error:
        print(f"xpaydesk: team server unreachable ({type(error).__name__})", file=sys.stderr)
    return None


if __name__ == "__main__":
    # python xpaydesk_session_key.py < login.json   ({"openid": ..., "session_key": ...})
    login = json.load(sys.stdin)
    answer = send_session_key(login["openid"], login["session_key"])
    print(json.dumps(answer))
    sys.exit(0 if answer else 1)
