#!/usr/bin/env bash
# Make everything that is sealed to the fuzzing-only PKI, which is never committed
# (Fuzz/keys/README.md): the PKI itself in Fuzz/keys/, the seed corpora of FuzzEnvelopeOpen and
# FuzzHTTP in Fuzz/corpus/ (scripts/make-fuzz-seeds.py), and the hostile corpus's whole
# envelopes in Fuzz/generated/hostile/ (scripts/make-hostile-corpus.py --envelopes). git
# ignores all three. scripts/fuzz.sh runs this when Fuzz/keys/ holds no PKI; run it again to
# start over with new keys.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/make-fuzz-pki.sh
python3 scripts/make-fuzz-seeds.py
python3 scripts/make-hostile-corpus.py --envelopes Fuzz/generated/hostile
