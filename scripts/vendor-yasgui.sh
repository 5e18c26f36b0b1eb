#!/usr/bin/env bash
# Rebuild graph_service/web/static/yasgui/ from the npm registry, reproducibly.
#
# The version and the integrity (sha512) of @zazuko/yasgui and of everything it bundles are pinned
# by the committed package.json + package-lock.json; `npm ci` refuses a tarball whose checksum
# differs. Only the browser build is copied (yasgui.min.js, yasgui.min.css, byte-identical to the
# package), with the licences of the package and of every bundled dependency, and a manifest
# (VERSION, SHA256SUMS) that tests/test_editor.py checks against the lock file.
#
#   scripts/vendor-yasgui.sh            # rebuild from the lock file
#   scripts/vendor-yasgui.sh --check    # rebuild into a temp dir and compare with the committed files
#
# To move to another version: edit the version in package.json, run
# `npm install --package-lock-only --ignore-scripts`, then this script, and commit all three.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=graph_service/web/static/yasgui
CHECK=0
[[ "${1:-}" == "--check" ]] && CHECK=1

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cp package.json package-lock.json "$WORK/"
(cd "$WORK" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)

PKG="$WORK/node_modules/@zazuko/yasgui"
VERSION=$(node -p "require('$PKG/package.json').version")
LOCKED=$(node -p "require('$ROOT/package-lock.json').packages['node_modules/@zazuko/yasgui'].version")
[[ "$VERSION" == "$LOCKED" ]] || { echo "installed $VERSION, lock says $LOCKED" >&2; exit 1; }

DEST="$WORK/out"
mkdir -p "$DEST"
cp "$PKG/build/yasgui.min.js" "$PKG/build/yasgui.min.css" "$DEST/"

# Licences: the package declares MIT but ships no licence file; its bundle includes its
# dependencies, whose licence files npm installed next to it.
node - "$WORK" "$DEST/LICENSE" <<'JS'
const fs = require("fs"), path = require("path");
const [work, out] = process.argv.slice(2);
const lock = JSON.parse(fs.readFileSync(path.join(work, "package-lock.json"), "utf8"));
const parts = [];
const y = lock.packages["node_modules/@zazuko/yasgui"];
const meta = JSON.parse(fs.readFileSync(path.join(work, "node_modules/@zazuko/yasgui/package.json"), "utf8"));
const who = [meta.author, ...(meta.contributors || []).map(c => c.name || c)].join(", ");
parts.push(`yasgui.min.js and yasgui.min.css are the browser build of @zazuko/yasgui ${y.version}
(${meta.homepage}), licence: ${y.license} as declared in its package.json (the package ships no
licence text, so the standard MIT text is reproduced below). Authors per package.json: ${who}.

The MIT License

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

The build bundles the following packages (versions from package-lock.json); their licence texts
follow.
`);
const names = Object.keys(lock.packages).filter(k => k.startsWith("node_modules/") && k !== "node_modules/@zazuko/yasgui").sort();
for (const key of names) {
  const meta = lock.packages[key];
  const dir = path.join(work, key);
  const name = key.replace(/^(.*\/)?node_modules\//, "");
  let text = "";
  if (fs.existsSync(dir)) {
    const file = fs.readdirSync(dir).find(f => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    if (file) text = fs.readFileSync(path.join(dir, file), "utf8").trim();
  }
  parts.push(`\n${"=".repeat(78)}\n${name}@${meta.version} — ${meta.license || "licence not declared"}\n${"=".repeat(78)}\n` +
             (text || "(no licence file in the package)"));
}
fs.writeFileSync(out, parts.join("\n") + "\n");
JS

echo "$VERSION" > "$DEST/VERSION"
(cd "$DEST" && sha256sum yasgui.min.js yasgui.min.css LICENSE VERSION > SHA256SUMS)

if [[ $CHECK == 1 ]]; then
  diff -r "$DEST" "$OUT" && echo "graph_service/web/static/yasgui matches @zazuko/yasgui $VERSION"
else
  mkdir -p "$OUT"
  rm -f "$OUT"/*
  cp "$DEST"/* "$OUT/"
  echo "vendored @zazuko/yasgui $VERSION into $OUT:"
  (cd "$OUT" && ls -l)
fi
