#!/usr/bin/env bash
# The main job end to end, with no server: keys, two recorded steps, signed links, checked.
# Grows with the project; see README.md "Demo".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CAIRN=(node "$ROOT/bin/cairn.js")
WORK="$ROOT/.demo"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cairn() { echo "+ cairn $*"; "${CAIRN[@]}" "$@"; }

say "1. keys: the project owner (alice) and two functionaries (bob writes code, carl packages)"
cairn key generate --type ed25519 --out alice
cairn key generate --type ecdsa-p256 --out bob
cairn key generate --type rsa --out carl

say "2. step 'write-code' (bob): produces src/"
cairn run --step write-code --key bob --products src -- \
  sh -c 'mkdir -p src && printf "print(\"hello from cairn\")\n" > src/app.py'

say "3. step 'package' (carl): consumes src/, produces app.tar.gz (DSSE link this time)"
cairn run --step package --key carl --materials src --products app.tar.gz --format dsse -- \
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -czf app.tar.gz src

say "4. verify the links' signatures"
cairn link verify write-code.*.link --key bob.pub
cairn link verify package.*.intoto.jsonl --key carl.pub

say "5. a forged link does not verify"
sed 's/app.py/evil.py/' write-code.*.link > forged.link
if "${CAIRN[@]}" link verify forged.link --key bob.pub; then echo "forged link verified?!"; exit 1; fi
echo "(rejected, as it must be)"

say "demo passed"
