#!/usr/bin/env bash
# A tiny, deterministic image builder for the demo (no docker): writes an OCI image layout
# with one layer per given directory, in order, each a reproducible tar+gzip.
#   build-image.sh OUT_DIR LAYER_DIR...
set -euo pipefail
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
printf '{"architecture":"amd64","os":"linux","config":{"Entrypoint":["/usr/local/bin/app"]},"rootfs":{"type":"layers","diff_ids":[%s]}}' "$diffids" > "$tmp/config.json"
read -r cd cs < <(blob "$tmp/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' "$cd" "$cs" "$layers" > "$tmp/manifest.json"
read -r md ms < <(blob "$tmp/manifest.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' "$md" "$ms" > "$out/index.json"
echo "sha256:$md"
