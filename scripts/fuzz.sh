#!/usr/bin/env bash
# Build and run intake's libFuzzer targets (docs/testing.md).
#
#   scripts/fuzz.sh TARGET [SECONDS] [JOBS]   run one target for SECONDS (default 60) with JOBS workers (default 1)
#   scripts/fuzz.sh all [SECONDS]             run every target in turn
#   scripts/fuzz.sh ci [SECONDS]              CI: build, run every target for SECONDS (default 20) from its
#                                             seeds alone; exit 1 if any crashed, leaked or timed out
#   scripts/fuzz.sh build                     only build
#
# TARGET: FuzzReturn, FuzzJSON, FuzzSettings, FuzzNotes, FuzzEnvelopeStructure, FuzzEnvelopeOpen, FuzzHTTP.
# Each starts from Fuzz/corpus/TARGET (seeds) and Fuzz/hostile/, and adds what it finds to
# Fuzz/runs/TARGET (not committed). A crash writes Fuzz/runs/TARGET/crash-*: turn it into a
# regression test and add it to the seed corpus. Builds with -sanitize=fuzzer,address (release).
# FuzzEnvelopeOpen and FuzzHTTP decrypt with a fuzzing-only PKI in Fuzz/keys/ (its README.md). No key
# is committed: when Fuzz/keys/ holds none, scripts/make-keyed-inputs.sh makes the PKI, those two
# targets' seeds (Fuzz/corpus/FuzzEnvelopeOpen/, FuzzHTTP/) and the hostile envelopes sealed to it.
set -euo pipefail
cd "$(dirname "$0")/../Fuzz"
targets=(FuzzReturn FuzzJSON FuzzSettings FuzzNotes FuzzEnvelopeStructure FuzzEnvelopeOpen FuzzHTTP)
build() {
    [ -f keys/ca.key ] || ../scripts/make-keyed-inputs.sh
    swift build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library \
        --scratch-path .build-fuzz 2>&1 | { grep -Ev '^\[|^Building|^Compiling|^Write|^Linking|^Emitting' || true; }
}
# Extra seeds from the hostile corpus (Fuzz/hostile/, docs/testing.md).
seeds() {
    case "$1" in
        FuzzReturn|FuzzJSON) echo "hostile/content" ;;
        FuzzEnvelopeStructure) echo "hostile/raw generated/hostile/envelope" ;;
        FuzzEnvelopeOpen) echo "generated/hostile/envelope hostile/raw" ;;
        FuzzHTTP) echo "hostile/http" ;;
    esac
}
# TARGET SECONDS JOBS [DIR]: new inputs go to DIR (default Fuzz/runs/TARGET).
run() {
    local target=$1 seconds=${2:-60} jobs=${3:-1} dir=${4:-runs/$1} fuzz=$PWD
    mkdir -p "$dir" "corpus/$target"
    local corpora=("$fuzz/corpus/$target")
    for d in $(seeds "$target"); do corpora+=("$fuzz/$d"); done
    local parallel=()  # several workers: each logs to DIR/fuzz-N.log
    [ "$jobs" -gt 1 ] && parallel=(-jobs="$jobs" -workers="$jobs")
    # No Swift backtracer: a fatal error is reported by libFuzzer (with the input) and ASan alone.
    (cd "$dir" && LSAN_OPTIONS="suppressions=$fuzz/lsan-suppressions.txt" SWIFT_BACKTRACE=enable=no \
        "$fuzz/.build-fuzz/release/$target" -max_total_time="$seconds" -print_final_stats=1 "${parallel[@]}" \
        -rss_limit_mb=2048 -timeout=10 -max_len=1048576 . "${corpora[@]}")
}
# Every target for a short time, from its committed seeds only (new inputs go to a scratch
# directory); a crash, leak, timeout or out-of-memory fails the step, with libFuzzer's report.
ci() {
    local seconds=${1:-20} failed=() started=$SECONDS scratch
    build
    echo "fuzz: built in $((SECONDS - started)) s"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' RETURN
    for t in "${targets[@]}"; do
        if run "$t" "$seconds" 1 "$scratch/$t" > "$scratch/$t.log" 2>&1; then
            echo "fuzz: $t: $(grep -E '^stat::number_of_executed_units' "$scratch/$t.log" | awk '{print $2}') executions, nothing found"
        else
            failed+=("$t")
            echo "fuzz: $t FAILED:"
            grep -vE '^#[0-9]+' "$scratch/$t.log" | tail -60
            mkdir -p "runs/$t"
            cp "$scratch/$t"/crash-* "$scratch/$t"/leak-* "$scratch/$t"/timeout-* "$scratch/$t"/oom-* "runs/$t/" 2>/dev/null || true
        fi
    done
    echo "fuzz: ${#targets[@]} targets in $((SECONDS - started)) s"
    [ ${#failed[@]} -eq 0 ] || { echo "fuzz: failed: ${failed[*]} (inputs in Fuzz/runs/TARGET/)" >&2; return 1; }
}
case "${1:-}" in
    build) build ;;
    all) build; for t in "${targets[@]}"; do run "$t" "${2:-60}"; done ;;
    ci) ci "${2:-20}" ;;
    "") echo "usage: scripts/fuzz.sh TARGET|all|ci|build [SECONDS] [JOBS]" >&2; exit 64 ;;
    *) build; run "$1" "${2:-60}" "${3:-1}" ;;
esac
