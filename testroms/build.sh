#!/bin/sh
# Assemble every testroms/*.asm and testroms/lessons/*.asm into a flat binary
# beside it, from testroms/ (so pmtest.inc is found) with lessons/ on the
# include path (lesson.inc):
#     nasm -i lessons/ -f bin -o NAME.bin NAME.asm
#
# Usage:
#     testroms/build.sh           (re)build all .bin files in place
#     testroms/build.sh --check   assemble into a temporary directory and
#                                 fail if any committed .bin is missing or
#                                 differs from a fresh assembly
#
# Works from any current directory.  Needs nasm (Debian: apt-get install nasm).
set -eu

usage() {
    cat <<'EOF_USAGE'
usage: testroms/build.sh [--check]
  (no argument)  assemble every testroms/*.asm into a .bin beside it
  --check        assemble into a temporary directory; exit 1 naming every
                 committed .bin that is missing or differs from a fresh build
EOF_USAGE
}

cd "$(dirname -- "$0")"

NASM=${NASM:-nasm}
if ! command -v "$NASM" >/dev/null 2>&1; then
    echo "build.sh: '$NASM' not found; install nasm (e.g. apt-get install -y nasm)" >&2
    exit 2
fi

mode=build
case "${1:-}" in
    "") ;;
    --check) mode=check ;;
    -h|--help) usage; exit 0 ;;
    *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac

set -- *.asm lessons/*.asm
if [ "$1" = "*.asm" ]; then
    echo "build.sh: no .asm files in $(pwd)" >&2
    exit 2
fi

if [ "$mode" = build ]; then
    for src in "$@"; do
        bin=${src%.asm}.bin
        "$NASM" -i lessons/ -f bin -o "$bin" "$src"
        echo "built testroms/$bin"
    done
    exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/pcemu-testroms.XXXXXX")
mkdir "$tmp/lessons"
trap 'rm -rf "$tmp"' EXIT INT TERM

bad=0
for src in "$@"; do
    bin=${src%.asm}.bin
    if ! "$NASM" -i lessons/ -f bin -o "$tmp/$bin" "$src"; then
        echo "FAIL: testroms/$src does not assemble" >&2
        bad=1
    elif [ ! -f "$bin" ]; then
        echo "FAIL: testroms/$bin is missing (run testroms/build.sh)" >&2
        bad=1
    elif ! cmp -s "$tmp/$bin" "$bin"; then
        echo "FAIL: testroms/$bin differs from a fresh assembly of $src (run testroms/build.sh)" >&2
        bad=1
    else
        echo "ok: testroms/$bin"
    fi
done
exit "$bad"
