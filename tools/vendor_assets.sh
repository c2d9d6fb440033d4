#!/usr/bin/env bash
# Copy the pinned browser scripts (installed by `npm ci` from package-lock.json) into
# _assets/vendor (served as _static/vendor), which the book serves itself so that no page needs a CDN.
set -euo pipefail
cd "$(dirname "$0")/.."
out=_assets/vendor
rm -rf "$out"
mkdir -p "$out"
cp node_modules/vega/build/vega.min.js "$out/"
cp node_modules/vega-lite/build/vega-lite.min.js "$out/"
cp node_modules/vega-embed/build/vega-embed.min.js "$out/"
cp -r node_modules/mathjax/es5 "$out/mathjax"
for pkg in vega vega-lite vega-embed mathjax; do
  cp "node_modules/$pkg/LICENSE" "$out/LICENSE.$pkg" 2>/dev/null || true
done
echo "vendored: $(ls "$out" | tr '\n' ' ')"
