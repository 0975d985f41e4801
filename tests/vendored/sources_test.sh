#!/usr/bin/env bash
# The vendored files of third_party/vsphere-api/ are byte-for-byte copies of upstream blobs
# (third_party/vsphere-api/SOURCES.md). Fails when one changed or went missing (sha256sum -c
# against SHA256SUMS), when a data file there has no SHA256SUMS entry, or when SOURCES.md does
# not record a file's SHA-256.
# Usage: sources_test.sh SOURCE_DIR
set -euo pipefail
dir="$1/third_party/vsphere-api"
cd "$dir"

sha256sum --check --strict SHA256SUMS

status=0
while IFS= read -r file; do
  file="${file#./}"
  if ! grep -qE "^[0-9a-f]{64}  ${file}\$" SHA256SUMS; then
    echo "sources_test: ${file} is not listed in SHA256SUMS" >&2
    status=1
  fi
done < <(find . -type f -name '*.json' | sort)

while read -r sum file; do
  if ! grep -q "\`${file}\`.*\`${sum}\`" SOURCES.md; then
    echo "sources_test: SOURCES.md has no row giving ${file} with SHA-256 ${sum}" >&2
    status=1
  fi
done < SHA256SUMS

[[ ${status} -eq 0 ]] && echo "sources_test: $(wc -l < SHA256SUMS) vendored files match"
exit "${status}"
