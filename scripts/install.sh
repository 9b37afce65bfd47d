#!/usr/bin/env bash
# Installs mha-cli under PREFIX (default /usr/local):
#
#   PREFIX/bin/mha-cli                                    the release build, stripped
#   PREFIX/share/man/man1/mha-cli.1                       the man page (docs/mha-cli.1)
#   PREFIX/share/bash-completion/completions/mha-cli      bash completion
#   PREFIX/share/zsh/site-functions/_mha-cli              zsh completion
#   PREFIX/share/fish/vendor_completions.d/mha-cli.fish   fish completion
#
# Usage:  scripts/install.sh                        # builds with `swift build -c release`
#         PREFIX=$HOME/.local scripts/install.sh
#         DESTDIR=/tmp/stage PREFIX=/usr scripts/install.sh    # staged install, for packagers
#         scripts/install.sh --binary PATH          # install an already built binary instead
#
# On Linux the release binary carries the Swift runtime inside (see Package.swift): the
# installed file runs on a machine without the Swift toolchain. The completions are written
# by the binary itself (`mha-cli --generate-completion-script SHELL`).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=""
while (($#)); do
    case "$1" in
        --binary) binary="${2:?--binary needs a path}"; shift 2 ;;
        -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument '$1' (try --help)" >&2; exit 64 ;;
    esac
done

prefix="${PREFIX:-/usr/local}"
root="${DESTDIR:-}$prefix"

if [ -z "$binary" ]; then
    # No $ORIGIN run path: an installed binary should not look for libraries beside itself.
    swift build -c release --disable-local-rpath --product mha-cli
    binary="$(swift build -c release --disable-local-rpath --show-bin-path)/mha-cli"
fi
[ -x "$binary" ] || { echo "install.sh: no executable at $binary" >&2; exit 66; }

install -d "$root/bin" "$root/share/man/man1" "$root/share/bash-completion/completions" \
    "$root/share/zsh/site-functions" "$root/share/fish/vendor_completions.d"
install -m 755 "$binary" "$root/bin/mha-cli"
if command -v strip >/dev/null; then strip "$root/bin/mha-cli"; fi
install -m 644 docs/mha-cli.1 "$root/share/man/man1/mha-cli.1"

installed="$root/bin/mha-cli"
"$installed" --generate-completion-script bash >"$root/share/bash-completion/completions/mha-cli"
"$installed" --generate-completion-script zsh >"$root/share/zsh/site-functions/_mha-cli"
"$installed" --generate-completion-script fish >"$root/share/fish/vendor_completions.d/mha-cli.fish"
chmod 644 "$root/share/bash-completion/completions/mha-cli" "$root/share/zsh/site-functions/_mha-cli" \
    "$root/share/fish/vendor_completions.d/mha-cli.fish"

echo "installed $installed ($(wc -c <"$installed" | tr -d ' ') bytes), its man page and bash, zsh and fish completions"
