#!/usr/bin/env bash
# Make a fuzzing-only PKI (Fuzz/keys/README.md) with the stock openssl command.
#
#   scripts/make-fuzz-pki.sh [DIR]      # (re)writes DIR (default Fuzz/keys/, which git ignores)
#
# Made afresh wherever it is needed, never committed: scripts/fuzz.sh makes it (with the seeds
# and hostile envelopes sealed to it, scripts/make-keyed-inputs.sh) before the targets that
# decrypt, and HostileCorpusTests makes its own in a temporary directory. Nothing real may
# ever trust it: the CA is a trust anchor only in throwaway test and fuzz homes.
#
# Every certificate is valid from 2026-01-01 to 2126-01-01 whenever the script runs, so that
# the fuzz targets can use a fixed receipt time (2027-01-01T00:00:00Z) inside it.
set -euo pipefail
cd "$(dirname "$0")/.."
profiles=$PWD/Keys/openssl.cnf   # the product's own certificate profiles
out=${1:-$PWD/Fuzz/keys}
mkdir -p "$out" && out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
umask 077

# A minimal `openssl ca` set-up: it is the stock tool that sets explicit validity dates.
mkdir issued
: > index.txt
echo 1000 > serial
cat > ca.cnf <<'CNF'
[ ca ]
default_ca = fuzz
[ fuzz ]
dir = .
database = index.txt
serial = serial
new_certs_dir = issued
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
utf8 = yes
[ anything ]
organizationName = optional
commonName = supplied
emailAddress = optional
[ req ]
prompt = no
distinguished_name = dn
[ dn ]
CN = unused
CNF
dates=(-startdate 20260101000000Z -enddate 21260101000000Z)

# NAME KEYSPEC SUBJECT PROFILE [ISSUER]: a key and a certificate (self-signed without ISSUER).
make() {
    local name=$1 keyspec=$2 subject=$3 profile=$4 issuer=${5:-}
    if [ "$keyspec" = ec ]; then
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key"
    else
        openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$keyspec" -out "$name.key" 2>/dev/null
    fi
    openssl req -new -config ca.cnf -key "$name.key" -subj "$subject" -out "$name.csr"
    if [ -z "$issuer" ]; then
        openssl ca -batch -notext -config ca.cnf -selfsign -keyfile "$name.key" -in "$name.csr" -out "$name.crt" \
            "${dates[@]}" -extfile "$profiles" -extensions "$profile" 2>/dev/null
    else
        openssl ca -batch -notext -config ca.cnf -cert "$issuer.crt" -keyfile "$issuer.key" -in "$name.csr" -out "$name.crt" \
            "${dates[@]}" -extfile "$profiles" -extensions "$profile" 2>/dev/null
    fi
}

make ca ec "/O=Fuzzing Only/CN=Fuzz Agency CA (never trust)" agency_ca
make police ec "/O=Fuzzing Only/CN=police (fuzzing only)/emailAddress=police@fuzz.invalid" agency_sign ca
make intake-ec ec "/O=Fuzzing Only/CN=Fuzz Intake EC (never trust)" intake_decrypt_ec
make intake-rsa 3072 "/O=Fuzzing Only/CN=Fuzz Intake RSA (never trust)" intake_decrypt_rsa
make receipt ec "/O=Fuzzing Only/CN=Fuzz Receipts (never trust)" receipt_sign

for name in ca police intake-ec intake-rsa receipt; do
    openssl verify -attime 1798761600 -CAfile "$( [ $name = police ] && echo ca || echo $name ).crt" \
        -purpose any "$name.crt" >/dev/null
done
mkdir -p "$out"
rm -f "$out"/*.key "$out"/*.crt
for name in ca police intake-ec intake-rsa receipt; do
    cp "$name.key" "$name.crt" "$out/"
done
chmod 600 "$out"/*.key
chmod 644 "$out"/*.crt
echo "fuzzing-only PKI in $out: $(cd "$out" && echo *.crt)"
