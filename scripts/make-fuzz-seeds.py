#!/usr/bin/env python3
"""Make the seed corpus of the FuzzEnvelopeOpen target (docs/testing.md):

    scripts/make-fuzz-seeds.py        # rewrites Fuzz/corpus/FuzzEnvelopeOpen/

Envelopes are made with stock `openssl cms` (sign, then encrypt, as DESIGN.md §3 shows) and the
fuzzing-only PKI in Fuzz/keys/ (scripts/make-fuzz-pki.sh): the targets decrypt them with the
same keys, so every seed reaches as far as its content lets it. The hostile corpus
(Fuzz/hostile/) adds more seeds (scripts/fuzz.sh).

Not byte-for-byte deterministic: encryption is randomised. Run it again after make-fuzz-pki.sh.
"""
import os
import shutil

import fuzzpki as pki

ROOT = os.path.join(pki.REPO, "Fuzz", "corpus")
ENVELOPES = os.path.join(ROOT, "FuzzEnvelopeOpen")


def put(name, data):
    with open(os.path.join(ENVELOPES, name), "wb") as f:
        f.write(data)


def envelope_seeds():
    complete = lambda note: pki.scoping_return(note)
    # Every encoding, content cipher and key transport the intake accepts.
    put("complete-ec-aes256gcm.der", pki.seal(complete("ec gcm der")))
    put("complete-ec-aes256gcm.pem", pki.seal(complete("ec gcm pem"), outform="PEM"))
    put("complete-ec-aes256gcm.smime", pki.seal(complete("ec gcm smime"), outform="SMIME"))
    put("complete-ec-aes128gcm.der", pki.seal(complete("ec gcm 128"), cipher="-aes-128-gcm"))
    put("complete-ec-aes256cbc.der", pki.seal(complete("ec cbc der"), cipher="-aes-256-cbc"))
    put("complete-ec-aes128cbc.smime", pki.seal(complete("ec cbc smime"), cipher="-aes-128-cbc", outform="SMIME"))
    put("complete-ec-keyid.der", pki.seal(complete("ec keyid"), encrypt_extra=["-keyid"]))
    oaep = ["-keyopt", "rsa_padding_mode:oaep"]
    put("complete-rsa-oaep-aes256gcm.der", pki.seal(complete("rsa oaep gcm"), ["intake-rsa"], encrypt_extra=oaep))
    put("complete-rsa-oaep-aes256cbc.pem", pki.seal(complete("rsa oaep cbc"), ["intake-rsa"], "-aes-256-cbc", "PEM", encrypt_extra=oaep))
    put("complete-rsa-pkcs1v15-aes256gcm.der", pki.seal(complete("rsa v1.5 gcm"), ["intake-rsa"]))
    put("complete-rsa-pkcs1v15-aes256cbc.smime", pki.seal(complete("rsa v1.5 cbc"), ["intake-rsa"], "-aes-256-cbc", "SMIME"))
    put("complete-both-recipients.der", pki.seal(complete("two recipients"), ["intake-rsa", "intake-ec"]))
    # Signer variations.
    put("signed-sha384.der", pki.seal(complete("sha384"), sign_extra=["-md", "sha384"]))
    put("signed-no-attributes.der", pki.seal(complete("no signed attributes"), sign_extra=["-noattr"]))
    put("signed-no-certificates.der", pki.seal(complete("no certificates"), sign_extra=["-nocerts"]))
    put("signed-receipt-request.der", pki.seal(complete("receipt request"),
                                               sign_extra=["-receipt_request_all", "-receipt_request_to", "returns@fuzz.invalid"]))
    put("signed-sha1.der", pki.seal(complete("sha1"), sign_extra=["-md", "sha1"]))
    unregistered = pki.certificate(pki.common_name("unregistered agency"), pki.agency_extensions())
    put("signed-by-unregistered-agency.der", pki.seal(complete("unregistered"), signer=unregistered))
    self_signed_name = pki.common_name("self-signed agency")
    put("signed-self-signed.der", pki.seal(complete("self-signed"), signer=pki.certificate(
        self_signed_name, pki.agency_extensions(), self_signed=True)))
    # Returns that are incomplete, carry an attachment, or do not fit the case.
    put("incomplete.der", pki.seal(pki.scoping_return("incomplete", complete=False)))
    put("attachment.der", pki.seal(pki.scoping_return("attachment", attachments=[
        ("chronology.pdf", "application/pdf", b"%PDF-1.4\n% fuzz seed\n"), ("notes.txt", "text/plain", b"fuzz notes\n")])))
    put("invalid-return.der", pki.seal(b"{}"))
    put("wrong-agency.der", pki.seal(pki.scoping_return("wrong agency", agency="health")))
    put("unknown-case.der", pki.seal(pki.scoping_return("unknown case", case="RR-2026-999")))
    # Refused before or at decryption.
    put("cipher-des-ede3.der", pki.seal(complete("3des"), cipher="-des3"))
    put("not-for-us.der", pki.seal(complete("not for us"), [pki.certificate(pki.common_name("someone else"), [],
                                                                           self_signed=True)[0]]))
    put("signed-not-encrypted.der", pki.sign(complete("signed only")))
    put("encrypted-not-signed.der", pki.encrypt(complete("encrypted only")))


if __name__ == "__main__":
    if os.path.isdir(ENVELOPES):
        shutil.rmtree(ENVELOPES)
    os.makedirs(ENVELOPES)
    envelope_seeds()
    print(f"{len(os.listdir(ENVELOPES))} seeds in {os.path.relpath(ENVELOPES)}")
