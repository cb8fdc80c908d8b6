"""The team server (`xpaydesk-server`): one process that holds the merchant's secrets and talks to
WeChat for a whole team, with operators, roles and four-eyes approvals, over HTTP (/api/v1/).
Nothing else in core imports it (an import-linter contract); its web dependencies are the optional
extra `server`."""
