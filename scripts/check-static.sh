#!/usr/bin/env bash
# Checks that the default release build is one self-contained file (run by .ci/run after the
# tests; Linux only): installs it with scripts/install.sh into a temporary PREFIX, then
#   - no source file imports full Foundation (FoundationEssentials only, on Linux),
#   - ldd lists no Swift runtime, Foundation or ICU library (the release build is fully static:
#     "not a dynamic executable"; libc-level libraries and zlib would also be accepted),
#   - the stripped binary is at most 20 MB,
#   - the installed binary gives examples/two-heads/expected exactly, and its man page and
#     completions are in place.
# Usage: scripts/check-static.sh   (exit 0: all hold; 1: one does not, said on stderr)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "$(uname)" = Linux ] || { echo "check-static: not Linux, skipped"; exit 0; }

limit=$((20 * 1000 * 1000))
failures=0
fail() { echo "check-static: $*" >&2; failures=$((failures + 1)); }

# Full Foundation (and its ICU data, about 50 MB) would be linked in by any source file that
# imports it: only the `#else` of `#if canImport(FoundationEssentials)` (for macOS) may.
unguarded="$(awk 'FNR == 1 { previous = "" } /^import Foundation$/ && previous != "#else" { print FILENAME ":" FNR }
    { previous = $0 }' $(find Sources -name '*.swift'))"
[ -z "$unguarded" ] || fail "import Foundation outside '#if canImport(FoundationEssentials) ... #else' in: $unguarded"

prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
PREFIX="$prefix" scripts/install.sh
binary="$prefix/bin/mha-cli"

libraries="$(ldd "$binary" 2>&1 || true)"
echo "$libraries"
if grep -Eq 'libswift|libFoundation|libicu|lib_Foundation|libdispatch|libBlocksRuntime' <<<"$libraries"; then
    fail "the binary still loads Swift, Foundation or ICU libraries (above)"
fi
while read -r library _; do
    case "$library" in
        not | statically) ;; # "not a dynamic executable": fully static, nothing loaded
        linux-vdso.so.* | libc.so.* | libm.so.* | libstdc++.so.* | libgcc_s.so.* | libz.so.* | /lib*/ld-linux*) ;;
        *) fail "unexpected shared library: $library" ;;
    esac
done <<<"$libraries"

size=$(wc -c <"$binary" | tr -d ' ')
echo "stripped size: $size bytes (limit $limit)"
((size <= limit)) || fail "the stripped binary is $size bytes, over $limit"

example=examples/two-heads
# The example's command, run as the tests run it: through sh, the installed binary first on PATH.
if ! (cd "$example" && PATH="$prefix/bin:$PATH" sh ./cmd) >"$prefix/output"; then
    fail "the installed binary failed on $example ($(cat "$example/cmd"))"
elif ! cmp -s "$prefix/output" "$example/expected"; then
    fail "the installed binary's output differs from $example/expected"
fi

for file in share/man/man1/mha-cli.1 share/bash-completion/completions/mha-cli share/zsh/site-functions/_mha-cli \
    share/fish/vendor_completions.d/mha-cli.fish; do
    [ -s "$prefix/$file" ] || fail "install.sh left no $file"
done

if ((failures)); then exit 1; fi
echo "check-static: self-contained, $size bytes, example output exact"
