#!/usr/bin/env bash
# The one script behind Cairn's GitHub Action (action.yml) and GitLab CI component
# (templates/cairn.yml): after a push, attest or attach evidence to the image; before a
# deploy, verify it. Inputs are environment variables (the action and the component map their
# inputs onto them); the result is JSON in $CAIRN_RESULT (default cairn-result.json), and a
# failed verification fails the job (exit 1). Shipped in the npm package (ci/).
#
#   CAIRN_COMMAND            attest | attach | verify
#   CAIRN_IMAGE              the image, REGISTRY/REPO@sha256:... (a tag works, with a warning)
#   CAIRN_KEY                attest: private key file
#   CAIRN_PREDICATE          attest: predicate JSON file;  CAIRN_PREDICATE_TYPE: its type (URI or short name)
#   CAIRN_FILES              attach: link / envelope / bundle files, separated by spaces
#   CAIRN_STEP               attest/attach: the layout step the evidence is for (optional)
#   CAIRN_LAYOUT             verify: layout file or REF@sha256:...
#   CAIRN_LAYOUT_KEY         verify: owner public key file(s), separated by spaces
#   CAIRN_TRUST_ROOT         verify: instead of CAIRN_LAYOUT_KEY, a pinned trust root REF@sha256:...
#   CAIRN_REGISTRY_USERNAME, CAIRN_REGISTRY_PASSWORD   log in first (into a private DOCKER_CONFIG)
#   CAIRN_REGISTRY_ARGS      connection flags for every command, e.g. "--ca-file ca.pem"
#   CAIRN                    how to run Cairn (default: cairn)
set -euo pipefail

read -r -a CAIRN_CMD <<< "${CAIRN:-cairn}"
read -r -a REG_ARGS <<< "${CAIRN_REGISTRY_ARGS:-}"
RESULT="${CAIRN_RESULT:-cairn-result.json}"
need() { if [ -z "${!1:-}" ]; then echo "cairn-ci: $1 is required for CAIRN_COMMAND=${CAIRN_COMMAND:-}" >&2; exit 2; fi; }
need CAIRN_COMMAND
need CAIRN_IMAGE

if [ -n "${CAIRN_REGISTRY_USERNAME:-}" ]; then
  need CAIRN_REGISTRY_PASSWORD
  DOCKER_CONFIG="$(mktemp -d)"
  export DOCKER_CONFIG
  trap 'rm -rf "$DOCKER_CONFIG"' EXIT
  printf '%s' "$CAIRN_REGISTRY_PASSWORD" | "${CAIRN_CMD[@]}" login "${CAIRN_IMAGE%%/*}" -u "$CAIRN_REGISTRY_USERNAME" --password-stdin "${REG_ARGS[@]}" >/dev/null
fi

step=()
if [ -n "${CAIRN_STEP:-}" ]; then step=(--step "$CAIRN_STEP"); fi
rc=0
case "$CAIRN_COMMAND" in
  attest)
    need CAIRN_KEY; need CAIRN_PREDICATE; need CAIRN_PREDICATE_TYPE
    "${CAIRN_CMD[@]}" attest "$CAIRN_IMAGE" --predicate "$CAIRN_PREDICATE" --type "$CAIRN_PREDICATE_TYPE" --key "$CAIRN_KEY" "${step[@]}" "${REG_ARGS[@]}" --output json > "$RESULT" || rc=$?
    ;;
  attach)
    need CAIRN_FILES
    read -r -a files <<< "$CAIRN_FILES"
    "${CAIRN_CMD[@]}" attach "$CAIRN_IMAGE" "${files[@]}" "${step[@]}" "${REG_ARGS[@]}" --output json > "$RESULT" || rc=$?
    ;;
  verify)
    need CAIRN_LAYOUT
    keys=()
    if [ -n "${CAIRN_TRUST_ROOT:-}" ]; then keys=(--trust-root "$CAIRN_TRUST_ROOT")
    else need CAIRN_LAYOUT_KEY; for k in $CAIRN_LAYOUT_KEY; do keys+=(--layout-key "$k"); done; fi
    "${CAIRN_CMD[@]}" verify "$CAIRN_IMAGE" --layout "$CAIRN_LAYOUT" "${keys[@]}" "${REG_ARGS[@]}" --output json > "$RESULT" || rc=$?
    ;;
  *)
    echo "cairn-ci: CAIRN_COMMAND must be attest, attach or verify, not ${CAIRN_COMMAND}" >&2
    exit 2
    ;;
esac

# A one-line summary for the job log; the JSON (a result, or an error with its hint) stays in $RESULT.
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
if (r.code && r.exitCode) console.log(`cairn ${process.argv[2]}: ${r.code}: ${r.message}${r.hint ? ` (hint: ${r.hint})` : ""}`);
else if (r.verdict) console.log(`cairn verify: ${r.verdict.toUpperCase()} for ${r.image ?? process.argv[3]}`);
else console.log(`cairn ${process.argv[2]}: done (${process.argv[1]})`);
' "$RESULT" "$CAIRN_COMMAND" "$CAIRN_IMAGE" || true
if [ -n "${GITHUB_OUTPUT:-}" ]; then echo "result=$RESULT" >> "$GITHUB_OUTPUT"; fi
exit "$rc"
