#!/usr/bin/env bash
# Sign the .app inside-out with the hardened runtime, build a DMG (hdiutil, with retries),
# notarize with notarytool and staple. Each step is skipped, with a message, when its
# credentials are absent:
#   XPAYDESK_MAC_IDENTITY      "Developer ID Application: Name (TEAMID)"
#   XPAYDESK_NOTARY_APPLE_ID, XPAYDESK_NOTARY_TEAM_ID, XPAYDESK_NOTARY_PASSWORD (app password)
set -euo pipefail
APP="$1"
VERSION="$2"
HERE="$(cd "$(dirname "$0")" && pwd)"
DIST="$(dirname "$APP")"
DMG="$DIST/XPayDesk-$VERSION.dmg"

if [ -n "${XPAYDESK_MAC_IDENTITY:-}" ]; then
  # inside-out: every nested library and executable first, the bundle last
  find "$APP/Contents" -type f \( -name "*.dylib" -o -name "*.so" -o -perm -111 \) -print0 |
    while IFS= read -r -d '' file; do
      codesign --force --timestamp --options runtime \
        --entitlements "$HERE/entitlements.plist" --sign "$XPAYDESK_MAC_IDENTITY" "$file"
    done
  codesign --force --timestamp --options runtime --entitlements "$HERE/entitlements.plist" \
    --sign "$XPAYDESK_MAC_IDENTITY" "$APP"
  codesign --verify --deep --strict --verbose=2 "$APP"
else
  echo "signing skipped: set XPAYDESK_MAC_IDENTITY to sign the app"
fi

rm -f "$DMG"
for attempt in 1 2 3 4 5; do
  # hdiutil fails now and then with "Resource busy" on CI machines: retry
  if hdiutil create -volname "XPay Desk" -srcfolder "$APP" -ov -format UDZO "$DMG"; then
    break
  fi
  echo "hdiutil failed (attempt $attempt); retrying in 10 s"
  sleep 10
  [ "$attempt" = 5 ] && exit 1
done
if [ -n "${XPAYDESK_MAC_IDENTITY:-}" ]; then
  codesign --force --timestamp --sign "$XPAYDESK_MAC_IDENTITY" "$DMG"
fi

if [ -n "${XPAYDESK_NOTARY_APPLE_ID:-}" ] && [ -n "${XPAYDESK_NOTARY_TEAM_ID:-}" ] &&
   [ -n "${XPAYDESK_NOTARY_PASSWORD:-}" ] && [ -n "${XPAYDESK_MAC_IDENTITY:-}" ]; then
  xcrun notarytool submit "$DMG" --apple-id "$XPAYDESK_NOTARY_APPLE_ID" \
    --team-id "$XPAYDESK_NOTARY_TEAM_ID" --password "$XPAYDESK_NOTARY_PASSWORD" --wait
  xcrun stapler staple "$DMG"
  xcrun stapler validate "$DMG"
else
  echo "notarization skipped: set XPAYDESK_NOTARY_APPLE_ID, XPAYDESK_NOTARY_TEAM_ID, XPAYDESK_NOTARY_PASSWORD and XPAYDESK_MAC_IDENTITY"
fi
echo "wrote $DMG"
