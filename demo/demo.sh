#!/usr/bin/env bash
# The main job end to end, with no server: keys, two recorded steps, signed links, a signed
# layout, verification of the chain, and its failure on a tampered artifact.
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

say "6. the owner (alice) writes a layout for this chain: who performs each step, how artifacts flow"
cairn layout create --step write-code=bob.pub --step package=carl.pub --expires 30d \
  --readme "cairn demo: bob writes code, carl packages it" --out root.layout
# Edit the skeleton: add an inspection that unpacks the tarball at verification time and checks
# that it is exactly what 'package' produced, holding exactly what 'write-code' wrote.
node -e '
const fs = require("fs");
const m = JSON.parse(fs.readFileSync("root.layout", "utf8"));
m.signed.inspect.push({
  _type: "inspection", name: "untar", run: ["tar", "xzf", "app.tar.gz"],
  expected_materials: [["MATCH", "app.tar.gz", "WITH", "PRODUCTS", "FROM", "package"], ["DISALLOW", "app.tar.gz"]],
  expected_products: [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "src/*"]],
});
fs.writeFileSync("root.layout", JSON.stringify(m, null, 1));'
cairn layout check root.layout
cairn layout sign root.layout --key alice

say "7. verify the supply chain against the signed layout"
cairn verify --layout root.layout --layout-key alice.pub

say "8. someone swaps app.tar.gz for a tarball with other code: verification fails and says where"
mkdir -p evil/src && printf 'print("not what bob wrote")\n' > evil/src/app.py
tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -czf app.tar.gz -C evil src
rc=0; cairn verify --layout root.layout --layout-key alice.pub || rc=$?
if [ "$rc" -ne 1 ]; then echo "expected exit code 1 for a tampered artifact, got $rc"; exit 1; fi
echo "(rejected with exit code 1, as it must be)"

say "demo passed"
