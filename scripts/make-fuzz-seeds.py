#!/usr/bin/env python3
"""Make the seed corpora of the FuzzEnvelopeOpen and FuzzHTTP targets (docs/testing.md):

    scripts/make-fuzz-seeds.py        # rewrites Fuzz/corpus/FuzzEnvelopeOpen/ and Fuzz/corpus/FuzzHTTP/

Envelopes are made with stock `openssl cms` (sign, then encrypt, as DESIGN.md §3 shows) and the
fuzzing-only PKI in Fuzz/keys/ (scripts/make-fuzz-pki.sh; never committed, so neither are these
seeds, which git ignores: scripts/make-keyed-inputs.sh makes both): the targets decrypt them with the
same keys, so every seed reaches as far as its content lets it. HTTP seeds are requests as a
client writes them, some carrying those envelopes. The hostile corpus (Fuzz/hostile/) adds
more seeds to both (scripts/fuzz.sh).

Not byte-for-byte deterministic: encryption is randomised. Run it again after make-fuzz-pki.sh.
"""
import os
import shutil

import fuzzpki as pki

ROOT = os.path.join(pki.REPO, "Fuzz", "corpus")
ENVELOPES = os.path.join(ROOT, "FuzzEnvelopeOpen")
REQUESTS = os.path.join(ROOT, "FuzzHTTP")
made = {}


def put(name, data):
    made[name] = data
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
    # An RSA-wrapped content key damaged, under AES-CBC: OpenSSL then decrypts with a random key
    # (once `malformed` by chance, now always `decrypt-failed`; docs/testing.md).
    rsa_cbc = pki.seal(complete("damaged rsa key"), ["intake-rsa"], "-aes-256-cbc")
    wrapped = pki.parse(rsa_cbc).children()[1].children()[0].children()[1].children()[0].children()[-1]
    assert wrapped.tag == 0x04 and wrapped.length == 384  # RSA-3072
    at = wrapped.start + wrapped.header + 100
    put("damaged-rsa-key-cbc.der", rsa_cbc[:at] + bytes([rsa_cbc[at] ^ 1]) + rsa_cbc[at + 1:])


def request(name, data):
    with open(os.path.join(REQUESTS, name), "wb") as f:
        f.write(data)


def post(envelope, extra=b""):
    return (b"POST /v1/submissions HTTP/1.1\r\nHost: intake\r\nContent-Type: application/pkcs7-mime\r\n" + extra
            + b"Content-Length: " + str(len(envelope)).encode() + b"\r\n\r\n" + envelope)


def chunked(envelope, size):
    body = b"".join(b"%x\r\n" % len(envelope[i:i + size]) + envelope[i:i + size] + b"\r\n" for i in range(0, len(envelope), size))
    return (b"POST /v1/submissions HTTP/1.1\r\nHost: intake\r\nTransfer-Encoding: chunked\r\n\r\n" + body + b"0\r\n\r\n")


def http_seeds():
    get = lambda target, version=b"HTTP/1.1": b"GET " + target + b" " + version + b"\r\nHost: intake\r\n\r\n"
    request("get-healthz.txt", get(b"/healthz"))
    request("head-healthz.txt", b"HEAD /healthz HTTP/1.1\r\nHost: intake\r\n\r\n")
    request("get-metrics.txt", get(b"/metrics"))
    request("get-case.txt", get(b"/v1/cases/RR-2026-014"))
    request("get-case-query.txt", get(b"/v1/cases/RR-2026-014?x=1"))
    request("get-unknown-case.txt", get(b"/v1/cases/RR-2026-999"))
    request("get-http10.txt", get(b"/healthz", b"HTTP/1.0"))
    envelope = made["complete-ec-aes256gcm.der"]
    request("post-envelope.txt", post(envelope))
    request("post-envelope-expect-continue.txt", post(made["incomplete.der"], b"Expect: 100-continue\r\n"))
    request("post-envelope-chunked.txt", chunked(made["complete-ec-aes256cbc.der"], 500))
    request("post-unknown-signer.txt", post(made["signed-by-unregistered-agency.der"]))
    request("post-pem.txt", post(made["complete-ec-aes256gcm.pem"]))
    # A keep-alive connection: several requests written at once (pipelined), the same
    # envelope twice (accepted, then a duplicate), closing with Connection: close.
    request("pipeline-keep-alive.txt", get(b"/healthz") + get(b"/v1/cases/RR-2026-014") + post(envelope) + post(envelope)
            + b"GET /metrics HTTP/1.1\r\nHost: intake\r\nConnection: close\r\n\r\n")


if __name__ == "__main__":
    for directory in [ENVELOPES, REQUESTS]:
        if os.path.isdir(directory):
            shutil.rmtree(directory)
        os.makedirs(directory)
    envelope_seeds()
    http_seeds()
    print(f"{len(os.listdir(ENVELOPES))} seeds in {os.path.relpath(ENVELOPES)}, {len(os.listdir(REQUESTS))} in {os.path.relpath(REQUESTS)}")
