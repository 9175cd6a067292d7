#!/usr/bin/env bash
# Count instructions (valgrind --tool=callgrind) of `intake ingest` over envelopes made by
# intake-bench: repeatable whatever else the machine is doing (docs/performance.md).
#
#   scripts/callgrind-ingest.sh [FILES] [SIZE]      defaults: 30 envelopes of ~200 KB
#
# Two workarounds for valgrind 3.19 (Debian 12), both only for this script:
# - it cannot read the DWARF 5 that Swift writes: the binary is profiled with its debug
#   information stripped (its symbols stay);
# - it crashes (SIGSEGV inside valgrind) when libdispatch's signal thread calls sigsuspend
#   at exit: a tiny LD_PRELOAD library replaces sigsuspend with pause().
# Under valgrind, OpenSSL sees no SHA-NI or AES-NI (valgrind hides them), so its share is
# larger than on the real CPU; the counts of our own functions are what this is for.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-30} size=${2:-200000}
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)" >&2; exit 1; }
swift build -c release >/dev/null
work=$(mktemp -d /tmp/intake-callgrind-XXXXXX)
trap 'rm -rf "$work"' EXIT
printf '#include <signal.h>\n#include <unistd.h>\nint sigsuspend(const sigset_t *m) { (void)m; for (;;) pause(); }\n' > "$work/shim.c"
cc -shared -fPIC -o "$work/sigsuspend.so" "$work/shim.c"
objcopy --strip-debug .build/release/intake "$work/intake"
TMPDIR=$work .build/release/intake-bench ingest --files "$files" --size "$size" --runs 1 --stock-runs 0 --keep >/dev/null
bench=$(ls -d "$work"/intake-bench-*)
cp -a "$bench/home-template" "$work/home"
LD_PRELOAD="$work/sigsuspend.so" valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" \
    "$work/intake" ingest --home "$work/home" "$bench/inputs-$size"/*.p7m >/dev/null 2>"$work/valgrind.log"
grep -E "I\s+refs" "$work/valgrind.log" | sed 's/^==[0-9]*== //'
echo "per envelope: $(grep -E 'I\s+refs' "$work/valgrind.log" | tr -d ',' | awk -v n="$files" '{print int($NF / n)}') instructions"
callgrind_annotate "$work/callgrind.out" 2>/dev/null | sed -n '/file:function/,$p' | head -25 | cut -c1-160
