#!/bin/sh
# Regenerate the example digest and its pictures from `roundtable demo` (needs chromium, LibreOffice
# Writer and poppler-utils: apt install chromium libreoffice-writer-nogui poppler-utils).
set -eu
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
roundtable demo "$work/demo" >/dev/null
cp "$work/demo/industrial-strategy-digest.html" docs/digest-example.html
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1100,2600 \
  --screenshot=docs/digest-screenshot.png "file://$PWD/docs/digest-example.html"
soffice --headless --convert-to pdf --outdir "$work" "$work/demo/industrial-strategy-digest.docx" >/dev/null
pdftoppm -png -r 70 -f 1 -l 2 "$work/industrial-strategy-digest.pdf" "$work/page"
cp "$work/page-1.png" docs/digest-docx-page1.png 2>/dev/null || cp "$work/page-01.png" docs/digest-docx-page1.png
cp "$work/page-2.png" docs/digest-docx-page2.png 2>/dev/null || cp "$work/page-02.png" docs/digest-docx-page2.png
rm -rf "$work"
