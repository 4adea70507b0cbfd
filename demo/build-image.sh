#!/usr/bin/env bash
# A tiny, deterministic image builder for the demo (no docker): writes an OCI image layout
# with one layer per given directory, in order, each a reproducible tar+gzip.
#   build-image.sh [--config DIR] OUT_DIR LAYER_DIR...
# --config DIR: the image's execution parameters, one file per field of the config's `config`
# object, named by the field and holding its JSON value (DIR/Entrypoint: ["/usr/local/bin/app"]).
# Without it the image has Entrypoint ["/usr/local/bin/app"] and nothing else.
set -euo pipefail
confdir=""
if [ "${1:-}" = "--config" ]; then confdir=$2; shift 2; fi
out=$1; shift
mkdir -p "$out/blobs/sha256"
printf '{"imageLayoutVersion":"1.0.0"}' > "$out/oci-layout"
blob() { # file -> prints "digest size" and stores the blob
  local d s; d=$(sha256sum "$1" | cut -d' ' -f1); s=$(stat -c %s "$1")
  cp "$1" "$out/blobs/sha256/$d"; echo "$d $s"
}
layers="" diffids="" tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for dir in "$@"; do
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$tmp/layer.tar" .
  diffids="$diffids${diffids:+,}\"sha256:$(sha256sum "$tmp/layer.tar" | cut -d' ' -f1)\""
  gzip -n -9 -c "$tmp/layer.tar" > "$tmp/layer.tar.gz"
  read -r d s < <(blob "$tmp/layer.tar.gz")
  layers="$layers${layers:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$d\",\"size\":$s}"
done
exec_config='"Entrypoint":["/usr/local/bin/app"]'
if [ -n "$confdir" ]; then
  exec_config=""
  for f in "$confdir"/*; do exec_config="$exec_config${exec_config:+,}\"$(basename "$f")\":$(cat "$f")"; done
fi
printf '{"architecture":"amd64","os":"linux","config":{%s},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$exec_config" "$diffids" > "$tmp/config.json"
read -r cd cs < <(blob "$tmp/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd" "$cs" "$layers" > "$tmp/manifest.json"
read -r md ms < <(blob "$tmp/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' "$md" "$ms" > "$out/index.json"
echo "sha256:$md"
