#!/usr/bin/env bash
# Render the demo's meeting pack (pack.html) in a real headless browser, to look at.
#
#   scripts/check-pack-html.sh [OUT-DIR]      (default: ./pack-check)
#
# Runs `intake demo --keep` (fictional data), opens the released pack as the demo chair with
# stock openssl, unzips it, and has headless Chromium (Debian: apt-get install chromium)
# write OUT-DIR/pack.png (a full-page screenshot at 1200 px) and OUT-DIR/pack.pdf (the print
# stylesheet, A4). It checks that the page loaded no script and no external resource, then
# prints the paths. Exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-pack-check}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "check-pack-html: no Chromium (apt-get install chromium)" >&2; exit 1; }

swift build -q --product intake
demo_log=$(mktemp)
.build/debug/intake demo --keep > "$demo_log"
home=$(sed -n 's/^Home kept at \([^ ]*\) .*/\1/p' "$demo_log")
[ -d "$home" ] || { echo "check-pack-html: the demo kept no home" >&2; cat "$demo_log" >&2; exit 1; }

rm -rf "$out" && mkdir -p "$out/pack"
out=$(cd "$out" && pwd)
openssl cms -decrypt -inform DER -in "$home/packs/RR-2026-014/pack-1.p7m" \
    -recip "$home/pack-recipients/demo-chair.pem" -inkey "$home/demo-chair.key" -out "$out/pack.zip"
unzip -q "$out/pack.zip" -d "$out/pack"
html="$out/pack/pack.html"

# No script, no external resource (the page's own CSP forbids both as well).
if grep -qiE '<script|<iframe|<object|<embed|<link |src="http|href="http|url\(' "$html"; then
    echo "check-pack-html: pack.html holds a script or an external reference" >&2; exit 1
fi

flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --disable-extensions
       --disable-background-networking --user-data-dir="$(mktemp -d)")
"$browser" "${flags[@]}" --window-size=1200,6000 --screenshot="$out/pack.png" "file://$html" 2>/dev/null
"$browser" "${flags[@]}" --no-pdf-header-footer --print-to-pdf="$out/pack.pdf" "file://$html" 2>/dev/null
[ -s "$out/pack.png" ] && [ -s "$out/pack.pdf" ] || { echo "check-pack-html: Chromium wrote nothing" >&2; exit 1; }
rm -rf "$home" "$demo_log"
echo "screenshot: $out/pack.png"
echo "print (PDF): $out/pack.pdf"
