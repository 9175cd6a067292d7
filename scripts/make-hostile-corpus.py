#!/usr/bin/env python3
"""Make the hostile-input corpus (issue 6, docs/testing.md).

    scripts/make-hostile-corpus.py                     # rewrites Fuzz/hostile/ (committed)
    scripts/make-hostile-corpus.py --envelopes DIR     # writes DIR/envelope/ and DIR/manifest.json

Four kinds of input, each with the outcome the intake must give, listed in a manifest.json
and run by HostileCorpusTests:

- raw/       bytes fed to the pipeline as an envelope (hostile ASN.1, PEM and S/MIME);
- content/   scoping-return documents that the test signs and seals as an agency (with stock
             openssl and test-time keys), then feeds in;
- http/      raw HTTP/1.1 requests written to the socket, with the status expected;
- envelope/  whole envelopes made with stock openssl and a fuzzing-only PKI made by
             scripts/make-fuzz-pki.sh (Fuzz/keys/, or $FUZZ_KEYS): thousands of certificates,
             hundreds of recipients, odd signer certificates, weak ciphers, tampering. They are
             sealed to that PKI's keys, and keys are never committed, so they are made wherever
             they are used (HostileCorpusTests in a temporary directory, scripts/fuzz.sh in
             Fuzz/generated/), with --envelopes, and fed to a home holding the same PKI.

raw/, content/ and http/ are deterministic: the same script makes the same files. envelope/
is not (keys and encryption are random), but its outcomes are.
"""
import base64
import json
import os
import shutil
import sys

import fuzzpki as pki
from fuzzpki import der_length, tlv

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fuzz", "hostile")
entries = []


def write(kind, name, data, expect, note):
    path = os.path.join(ROOT, kind, name)
    with open(path, "wb") as f:
        f.write(data)
    entries.append({"file": f"{kind}/{name}", "kind": kind, "expect": expect, "note": note})


OID_ENVELOPED = bytes.fromhex("06092a864886f70d010703")
OID_AUTH_ENVELOPED = bytes.fromhex("060b2a864886f70d0109100117")
OID_SIGNED = bytes.fromhex("06092a864886f70d010702")
OID_DATA = bytes.fromhex("06092a864886f70d010701")


def content_info(oid, inner):
    return tlv(0x30, oid + tlv(0xA0, inner))


# ---------------------------------------------------------------- raw envelopes
def raw_entries():
    write("raw", "empty.bin", b"", "malformed", "zero bytes")
    write("raw", "one-byte.bin", b"\x30", "malformed", "a lone SEQUENCE tag")
    write("raw", "random-64k.bin", bytes((i * 7919 + 13) % 256 for i in range(65536)), "malformed", "pseudo-random bytes")
    nested = b"\x05\x00"
    for _ in range(5000):
        nested = tlv(0x30, nested)
    write("raw", "nested-5000.der", nested, "malformed", "SEQUENCE nested 5,000 deep")
    write("raw", "nested-indefinite.der", b"\x30\x80" * 20000 + b"\x00\x00" * 20000, "malformed",
          "indefinite-length SEQUENCEs nested 20,000 deep")
    write("raw", "indefinite-no-eoc.der", b"\x30\x80" + OID_ENVELOPED + b"\xa0\x80\x30\x80", "malformed",
          "indefinite lengths never closed")
    write("raw", "huge-length-4g.der", b"\x30\x84\xff\xff\xff\xff" + OID_ENVELOPED, "malformed", "a 4 GiB length in a tiny file")
    write("raw", "huge-length-2^64.der", b"\x30\x88\xff\xff\xff\xff\xff\xff\xff\xff" + OID_ENVELOPED, "malformed",
          "a 64-bit length")
    write("raw", "length-126-octets.der", b"\x30\xfe" + b"\xff" * 126, "malformed", "a length of 126 length octets")
    write("raw", "non-minimal-length.der", b"\x30\x82\x00\x03\x05\x01\x00", "malformed", "a non-minimal DER length")
    write("raw", "length-past-end.der", b"\x30\x7f" + OID_ENVELOPED, "malformed", "a length past the end of the input")
    write("raw", "high-tag-number.der", b"\x1f\xff\xff\xff\xff\xff\x7f\x00", "malformed", "a tag number of 35 bits")
    write("raw", "wrong-content-type.der", content_info(OID_DATA, tlv(0x04, b"hello")), "malformed",
          "ContentInfo of plain data, not an envelope")
    write("raw", "signed-only.der", content_info(OID_SIGNED, tlv(0x30, b"\x02\x01\x01")), "malformed",
          "a (broken) SignedData with no encryption")
    write("raw", "enveloped-empty.der", content_info(OID_ENVELOPED, tlv(0x30, b"")), "malformed", "an empty EnvelopedData")
    write("raw", "enveloped-no-recipients.der",
          content_info(OID_ENVELOPED, tlv(0x30, b"\x02\x01\x00" + tlv(0x31, b"") + tlv(0x30, OID_DATA))), "malformed",
          "EnvelopedData with an empty RecipientInfos set")
    write("raw", "authenveloped-garbage.der", content_info(OID_AUTH_ENVELOPED, tlv(0x30, b"\x02\x01\x00" + b"\xff" * 64)),
          "malformed", "AuthEnvelopedData with garbage inside")
    write("raw", "trailing-garbage.der", content_info(OID_ENVELOPED, tlv(0x30, b"")) + b"\x00" * 100, "malformed",
          "trailing bytes after the ContentInfo")
    write("raw", "oid-huge-arc.der", tlv(0x30, tlv(0x06, b"\xff" * 200 + b"\x01") + tlv(0xA0, b"")), "malformed",
          "an OID with a 1,400-bit arc")
    write("raw", "boolean-bomb.der", tlv(0x30, b"\x01\x01\xff" * 30000), "malformed", "30,000 BOOLEANs")
    write("raw", "many-recipients-garbage.der",
          content_info(OID_ENVELOPED, tlv(0x30, b"\x02\x01\x02" + tlv(0x31, tlv(0x30, b"\x02\x01\x00") * 20000))),
          "malformed", "20,000 broken recipient infos")
    pem_body = base64.b64encode(content_info(OID_ENVELOPED, tlv(0x30, b""))).decode()
    write("raw", "pem-garbage-base64.pem", b"-----BEGIN CMS-----\n!!!not base64!!!\n-----END CMS-----\n", "malformed",
          "PEM whose body is not base64")
    write("raw", "pem-no-end.pem", b"-----BEGIN CMS-----\n" + pem_body.encode() + b"\n", "malformed", "PEM with no END line")
    write("raw", "pem-huge-line.pem", b"-----BEGIN CMS-----\n" + b"A" * 200000 + b"\n-----END CMS-----\n", "malformed",
          "a 200,000-character PEM line")
    write("raw", "pem-nul.pem", b"-----BEGIN CMS-----\n\x00\x00\x00\n-----END CMS-----\n", "malformed", "NULs in a PEM body")
    write("raw", "smime-no-body.eml", b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
          b"Content-Transfer-Encoding: base64\r\n", "malformed", "S/MIME headers with no body")
    write("raw", "smime-bad-base64.eml", b"MIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data\r\n"
          b"Content-Transfer-Encoding: base64\r\n\r\n%%%%\r\n", "malformed", "S/MIME with a body that is not base64")
    write("raw", "smime-header-flood.eml", b"X-Header: " + b"a" * 100 + b"\r\n" * 1 + (b"X: y\r\n" * 30000) + b"\r\n", "malformed",
          "30,000 mail headers")
    write("raw", "html.html", b"<html><script>alert(1)</script></html>", "malformed", "an HTML page")
    write("raw", "json.json", b'{"schema": "scoping-return/v1"}', "malformed", "an unencrypted return")
    write("raw", "utf16-bom.bin", b"\xff\xfe" + "-----BEGIN CMS-----".encode("utf-16-le"), "malformed", "UTF-16 PEM")
    write("raw", "too-large.bin", b"\x30\x83\x04\x00\x00" + b"\x00" * 300000, "too-large",
          "300 KB: over the corpus home's 262,144-byte limit")


# ---------------------------------------------------------------- returns to seal
def base_return(agency="police", case="RR-2026-014"):
    return {
        "schema": "scoping-return/v1", "caseRef": case, "agencyId": agency,
        "author": {"name": "Corpus Author", "role": "Lead"},
        "involvement": {"status": "involved", "summary": "Corpus summary."},
        "chronology": [{"date": "2026-11-01", "event": "Corpus event.", "practitionerRole": "Practitioner", "action": "Corpus action."}],
        "immediateSafeguardingActions": "Corpus actions.",
        "learning": "Corpus learning.",
        "recordsSecured": {"secured": True, "securedOn": "2026-11-24", "securedBy": "Records officer", "reference": "REF-1"},
        "signOff": {"name": "Corpus Manager", "role": "Head", "date": "2026-11-24"},
    }


TEXT_FIELDS = [
    ("author.name", lambda d, v: d["author"].__setitem__("name", v)),
    ("author.role", lambda d, v: d["author"].__setitem__("role", v)),
    ("involvement.summary", lambda d, v: d["involvement"].__setitem__("summary", v)),
    ("chronology.event", lambda d, v: d["chronology"][0].__setitem__("event", v)),
    ("chronology.practitionerRole", lambda d, v: d["chronology"][0].__setitem__("practitionerRole", v)),
    ("chronology.action", lambda d, v: d["chronology"][0].__setitem__("action", v)),
    ("immediateSafeguardingActions", lambda d, v: d.__setitem__("immediateSafeguardingActions", v)),
    ("learning", lambda d, v: d.__setitem__("learning", v)),
    ("recordsSecured.securedBy", lambda d, v: d["recordsSecured"].__setitem__("securedBy", v)),
    ("recordsSecured.reference", lambda d, v: d["recordsSecured"].__setitem__("reference", v)),
    ("signOff.name", lambda d, v: d["signOff"].__setitem__("name", v)),
    ("signOff.role", lambda d, v: d["signOff"].__setitem__("role", v)),
]


def content_json(name, document, expect, note):
    write("content", name, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode(), expect, note)


def content_entries():
    html = '<script>alert("x")</script><img src=x onerror=alert(1)></td></tr><a href="javascript:x">&amp;'
    for field, setter in TEXT_FIELDS:
        document = base_return()
        setter(document, html)
        content_json(f"html-in-{field}.json", document, "accepted", f"HTML and script in {field}: text, kept, escaped in pack.html")
        document = base_return()
        setter(document, "bell\u0007and\u001bescape")
        content_json(f"control-in-{field}.json", document, "invalid-return", f"control characters in {field}")
    for name in ["../../etc/passwd", "/etc/shadow", "..", "a/b.pdf", "C:\\evil.exe", "bell\u0007.pdf", ""]:
        document = base_return()
        data = b"%PDF-1.4 corpus"
        import hashlib
        document["attachments"] = [{"name": name, "mediaType": "application/pdf", "sha256": hashlib.sha256(data).hexdigest(),
                                    "dataBase64": base64.b64encode(data).decode()}]
        safe = name.replace("/", "_").replace("\\", "_").replace("\u0007", "BEL") or "empty"
        content_json(f"attachment-name-{safe}.json", document, "invalid-return", f"attachment named {name!r}")
    import hashlib
    document = base_return()
    data = b"\x00" * 150000
    document["attachments"] = [{"name": "zeros.bin", "mediaType": "application/octet-stream",
                                "sha256": hashlib.sha256(data).hexdigest(), "dataBase64": base64.b64encode(data).decode()}]
    content_json("attachment-150k-zeros.json", document, "accepted", "a 150 KB attachment of zeros (zip-bomb-like: compresses to nothing)")
    document = base_return()
    document["attachments"] = [{"name": "lie.pdf", "mediaType": "application/pdf", "sha256": "0" * 64,
                                "dataBase64": base64.b64encode(b"real").decode()}]
    content_json("attachment-hash-mismatch.json", document, "accepted-incomplete",
                 "an attachment whose data does not match its sha256: kept, marked incomplete (attachment-hash-mismatch:0)")
    document = base_return()
    document["attachments"] = [{"name": "x.bin", "mediaType": "application/octet-stream", "sha256": "a" * 64,
                                "dataBase64": "!!!!"}]
    content_json("attachment-bad-base64.json", document, "invalid-return", "attachment data that is not base64")
    document = base_return()
    document["attachments"] = [{"name": f"f{i}.txt", "mediaType": "text/plain", "sha256": hashlib.sha256(b"").hexdigest(),
                                "dataBase64": ""} for i in range(51)]
    content_json("attachments-51.json", document, "invalid-return", "51 attachments (the limit is 50)")
    document = base_return()
    document["chronology"] = [{"date": "2026-11-01", "event": f"e{i}"} for i in range(2001)]
    content_json("chronology-2001.json", document, "invalid-return", "2,001 chronology entries (the limit is 2,000)")
    document = base_return()
    document["learning"] = "x" * 20001
    content_json("text-20001.json", document, "invalid-return", "a 20,001-character text (the limit is 20,000)")
    # JSON-level hostility (written as bytes, not through json.dumps).
    text = json.dumps(base_return(), separators=(",", ":"))
    write("content", "duplicate-key-agency.json", text.replace('"agencyId":"police"', '"agencyId":"police","agencyId":"health"').encode(),
          "invalid-return", "a duplicate agencyId key")
    write("content", "duplicate-key-nested.json", text.replace('"name":"Corpus Author"', '"name":"A","name":"B"').encode(),
          "invalid-return", "a duplicate key in a nested object")
    write("content", "huge-number.json", text[:-1].encode() + b',"x":' + b"9" * 5000 + b"}", "invalid-return", "a 5,000-digit number")
    write("content", "huge-exponent.json", text[:-1].encode() + b',"x":1e999999999}', "invalid-return", "1e999999999")
    write("content", "deep-array.json", text[:-1].encode() + b',"x":' + b"[" * 20000 + b"]" * 20000 + b"}", "invalid-return",
          "arrays nested 20,000 deep")
    write("content", "deep-object.json", text[:-1].encode() + b',"x":' + b'{"a":' * 10000 + b"1" + b"}" * 10000 + b"}",
          "invalid-return", "objects nested 10,000 deep")
    write("content", "invalid-utf8.json", text.replace("Corpus summary.", "Corpus \udcff").encode("utf-8", "surrogateescape"),
          "invalid-return", "a byte that is not UTF-8")
    write("content", "overlong-utf8.json", text.replace("Corpus summary.", "X").encode().replace(b'"X"', b'"\xc0\xaf"'),
          "invalid-return", "an overlong UTF-8 encoding of /")
    write("content", "utf8-surrogate.json", text.replace("Corpus summary.", "X").encode().replace(b'"X"', b'"\xed\xa0\x80"'),
          "invalid-return", "a UTF-8-encoded surrogate")
    write("content", "escaped-lone-surrogate.json", text.replace("Corpus summary.", "\\ud800").encode(), "invalid-return",
          "an escaped lone surrogate")
    write("content", "nul-in-string.json", text.replace("Corpus summary.", "a\\u0000b").encode(), "invalid-return", "an escaped NUL")
    write("content", "bom.json", b"\xef\xbb\xbf" + text.encode(), "invalid-return", "a UTF-8 byte-order mark")
    write("content", "trailing-garbage.json", text.encode() + b"}", "invalid-return", "a closing brace too many")
    write("content", "array-root.json", b"[" + text.encode() + b"]", "invalid-return", "an array instead of an object")
    write("content", "empty-object.json", b"{}", "invalid-return", "an empty object")
    write("content", "not-json.json", b"Dear Panel, please find attached", "invalid-return", "plain text")
    write("content", "empty.json", b"", "invalid-return", "nothing at all")
    write("content", "wrong-schema.json", text.replace("scoping-return/v1", "scoping-return/v9").encode(), "invalid-return",
          "an unknown schema version")
    write("content", "unknown-member.json", text[:-1].encode() + b',"childName":"Alex"}', "invalid-return",
          "an unknown member (where a name might be smuggled in)")
    for ref in ["RR-2026-999", "../../etc", "RR-2026-014 ", "rr-2026-014", "<b>RR</b>"]:
        document = base_return(case=ref)
        expect = "unknown-case" if ref == "RR-2026-999" else "invalid-return"
        content_json(f"case-ref-{ref.replace('/', '_').replace(' ', '_').replace('<', '_').replace('>', '_')}.json", document, expect,
                     f"caseRef {ref!r}")
    content_json("agency-health-signed-by-police.json", base_return(agency="health"), "wrong-agency",
                 "a return naming another agency than its signer")
    document = base_return()
    del document["signOff"]
    content_json("no-sign-off.json", document, "accepted-incomplete", "not signed off: accepted, incomplete")
    document = base_return()
    document["chronology"][0]["date"] = "2026-02-30"
    content_json("impossible-date.json", document, "invalid-return", "30 February")
    document = base_return()
    document["recordsSecured"]["securedOn"] = "9999-99-99"
    content_json("bad-secured-date.json", document, "invalid-return", "a date that is not one")


# ---------------------------------------------------------------- whole envelopes (fuzzing-only PKI)
# Every odd certificate name carries this; the test checks that no answer or record repeats it.
HOSTILE_NAME = "Hostile Name"


def flipped(data, offset):
    return data[:offset] + bytes([data[offset] ^ 0x01]) + data[offset + 1:]


def body_offset(node, at):
    """The absolute offset of byte AT (negative: from the end) of NODE's body."""
    return node.start + node.header + (at if at >= 0 else node.length + at)


def envelope_parts(envelope):
    """The fields of an (Auth)EnvelopedData inside its ContentInfo."""
    return pki.parse(envelope).children()[1].children()[0].children()


def envelope_entries():
    def put(name, data, expect, note):
        write("envelope", name, data, expect, note)

    def content(note):
        return pki.scoping_return(f"hostile corpus, {note}")

    def signer(subject_text=None, subject=None, **options):
        extensions = pki.agency_extensions(**options.pop("profile", {}))
        return pki.certificate(subject or pki.common_name(subject_text), extensions, **options)

    put("baseline.der", pki.seal(content("baseline")), "accepted", "a plain envelope from the registered agency (the home and keys work)")

    # Thousands of certificates: 2,000 would-be issuers named like the agency CA, each with its
    # own serial (and so a signature that does not verify), besides the signer's certificate.
    template = pki.pem_to_der(pki.certificate(pki.subject_of(pki.crt("ca")), [
        pki.extension("2.5.29.19", pki.tlv(0x30, b"\x01\x01\xff"), critical=True)])[0])
    extra = [pki.with_serial(template, 0x10000 + i) for i in range(2000)]
    put("certificates-2000.der", pki.encrypt(pki.with_certificates(pki.sign(content("2,000 certificates")), extra)), "accepted",
        "2,000 extra certificates in the SignedData, all named like the agency CA (would-be issuers with bad signatures)")

    # Hundreds of recipients: 150 EC and 150 RSA decoys (distinct certificates), then ours, or not.
    decoys = []
    for kind in ["ec", "rsa"]:
        recipient = pki.pem_to_der(pki.certificate(pki.common_name(f"decoy {kind} recipient"), [], private=pki.new_key(kind))[0])
        for i in range(150):
            path = os.path.join(pki.SCRATCH, f"decoy-{kind}-{i}.crt")
            with open(path, "w") as f:
                f.write(pki.to_pem(pki.with_serial(recipient, 0x20000 + i)))
            decoys.append(path)
    put("recipients-301-ours-last.der", pki.encrypt(pki.sign(content("301 recipients")), decoys + ["intake-ec"]), "accepted",
        "301 RecipientInfos (150 ECDH, 150 RSA, then the intake's)")
    put("recipients-300-none-ours.der", pki.encrypt(pki.sign(content("300 recipients")), decoys), "not-for-us",
        "300 RecipientInfos, none for the intake")

    signed = pki.sign(content("signed ORIGINAL text"))
    assert signed.count(b"ORIGINAL") == 1
    put("signature-over-other-content.der", pki.encrypt(signed.replace(b"ORIGINAL", b"FORGEDXX")), "bad-signature",
        "the signed content replaced after signing (same length): the signature is over other content")

    # Odd names on certificates the agency CA issued: they chain, but no agency has them.
    odd_names = {
        "signer-cn-10000-characters.der": ("a 10,000-character common name", pki.common_name(f"{HOSTILE_NAME} " + "A" * 10000)),
        "signer-nul-in-name.der": ("a NUL inside the common name", pki.common_name(f"{HOSTILE_NAME}\x00police")),
        "signer-control-characters-in-name.der": ("BEL, ESC, CR, LF and DEL in the common name",
                                                  pki.common_name(f"{HOSTILE_NAME} \x07\x1b[31m\r\n\x7f")),
        "signer-rtl-and-unicode-name.der": ("right-to-left override, Hebrew, Arabic, an emoji and a combining accent",
                                            pki.common_name(f"{HOSTILE_NAME} \u202eecilop\u202c \u05e9\u05dc\u05d5\u05dd "
                                                            "\u0645\u0631\u062d\u0628\u0627 \U0001F600 e\u0301")),
        "signer-1000-rdns.der": ("a subject of 1,000 RDNs", pki.name(*[("2.5.4.11", 0x0C, f"{HOSTILE_NAME} unit {i}") for i in range(1000)])),
    }
    for file, (what, subject) in odd_names.items():
        put(file, pki.seal(content(file), signer=signer(subject=subject)), "unknown-signer",
            f"a signer certificate with {what}: it chains, but is pinned to no agency")

    # A UTF8String that is not UTF-8: OpenSSL cannot load such a certificate, so it is swapped in
    # after signing with a twin (same key, serial and issuer, a proper name).
    twin, twin_key = signer(f"{HOSTILE_NAME} twin", serial=0x5A5A5A)
    bad, _ = signer(subject=pki.common_name(HOSTILE_NAME.encode() + b" \xff\xfe\xc0\xaf"), serial=0x5A5A5A, private=twin_key)
    swapped = pki.with_certificates(pki.sign(content("invalid utf-8 name"), signer=(twin, twin_key)), [pki.pem_to_der_raw(bad)], keep=False)
    put("signer-invalid-utf8-name.der", pki.encrypt(swapped), "malformed",
        "the signer's certificate names it with a UTF8String that is not UTF-8: OpenSSL cannot parse the SignedData")

    critical = pki.extension("1.3.6.1.4.1.55555.1", b"\x05\x00", critical=True)
    other_ca = pki.certificate(pki.common_name(f"{HOSTILE_NAME} other CA"), [
        pki.extension("2.5.29.19", pki.tlv(0x30, b"\x01\x01\xff"), critical=True),
        pki.extension("2.5.29.15", b"\x03\x02\x01\x06", critical=True)], self_signed=True)
    for file, expect, note, certificate in [
        ("signer-unknown-critical-extension.der", "untrusted-signer", "a signer certificate with an unknown critical extension",
         signer(f"{HOSTILE_NAME} critical", profile={"more": [critical]})),
        ("signer-key-encipherment-only.der", "untrusted-signer", "a signer certificate with keyUsage keyEncipherment only (not for signing)",
         signer(f"{HOSTILE_NAME} key usage", profile={"key_usage": b"\x03\x02\x05\x20"})),
        ("signer-tls-server-eku.der", "untrusted-signer", "a signer certificate with extendedKeyUsage serverAuth only (not emailProtection)",
         signer(f"{HOSTILE_NAME} eku", profile={"eku": "1.3.6.1.5.5.7.3.1"})),
        ("signer-ca-true.der", "untrusted-signer",
         "a CA:TRUE signer certificate: OpenSSL's S/MIME signing purpose allows a CA certificate with digitalSignature, "
         "so it chains, but intake refuses any CA as a signer", signer(f"{HOSTILE_NAME} CA leaf", profile={"ca": True})),
        ("signer-expired.der", "cert-expired", "a signer certificate valid in 2000 only",
         signer(f"{HOSTILE_NAME} expired", not_before="20000101000000Z", not_after="20010101000000Z")),
        ("signer-not-yet-valid.der", "cert-expired", "a signer certificate valid from 2120 (not yet valid)",
         signer(f"{HOSTILE_NAME} future", not_before="21200101000000Z", not_after="21250101000000Z")),
        ("signer-self-signed.der", "untrusted-signer", "a self-signed signer certificate",
         signer(f"{HOSTILE_NAME} self-signed", self_signed=True)),
        ("signer-other-ca.der", "untrusted-signer", "a signer certificate from a CA that is not a trust anchor",
         signer(f"{HOSTILE_NAME} other CA's", issuer=other_ca)),
    ]:
        put(file, pki.seal(content(file), signer=certificate), expect, note)
    put("signer-not-included.der", pki.seal(content("unknown, not included"), signer=signer(f"{HOSTILE_NAME} hidden"),
                                            sign_extra=["-nocerts"]),
        "unknown-signer", "the signer's certificate neither included nor registered")
    put("registered-signer-not-included.der", pki.seal(content("registered, not included"), sign_extra=["-nocerts"]), "accepted",
        "the registered agency's certificate left out of the SignedData: found among the registered ones")

    # Weak and refused algorithms.
    legacy = ["-provider", "legacy", "-provider", "default"]
    put("cipher-des-ede3-cbc.der", pki.seal(content("3des"), cipher="-des3"), "weak-crypto", "3DES content cipher")
    # An 8-byte DES key cannot be AES-wrapped for an ECDH recipient; the cipher is refused before
    # the recipient is looked at (docs/envelope.md), so the RSA intake certificate does.
    put("cipher-des-cbc.der", pki.seal(content("des"), ["intake-rsa"], cipher="-des", encrypt_extra=legacy), "weak-crypto",
        "DES content cipher (to the RSA intake certificate: refused before the recipient is looked at)")
    put("cipher-rc2-cbc.der", pki.seal(content("rc2"), cipher="-rc2", encrypt_extra=legacy), "weak-crypto", "RC2 content cipher")
    put("signature-sha1.der", pki.seal(content("sha1"), sign_extra=["-md", "sha1"]), "weak-crypto", "a SHA-1 signature")

    # Someone else's envelope.
    stranger = pki.certificate(pki.common_name("another recipient"), [], self_signed=True)[0]
    put("for-another-recipient.der", pki.seal(content("stranger"), [stranger]), "not-for-us", "encrypted to another certificate")
    put("for-the-rsa-intake-key.der", pki.seal(content("rsa"), ["intake-rsa"]), "not-for-us",
        "encrypted to the fuzz PKI's RSA intake certificate, not this home's EC one")

    # Tampering after encryption.
    gcm = pki.seal(content("tampered gcm"))
    version, recipients, encrypted, mac = envelope_parts(gcm)
    ciphertext = encrypted.children()[2]
    assert ciphertext.tag == 0x80
    put("tampered-gcm-ciphertext.der", flipped(gcm, body_offset(ciphertext, ciphertext.length // 2)), "decrypt-failed",
        "one bit of the AES-GCM ciphertext flipped")
    put("tampered-gcm-tag.der", flipped(gcm, body_offset(mac, 0)), "decrypt-failed", "one bit of the AES-GCM tag flipped")
    encrypted_key = recipients.children()[0].children()[-1].children()[0].children()[1]
    assert encrypted_key.tag == 0x04
    put("tampered-wrapped-key.der", flipped(gcm, body_offset(encrypted_key, 3)), "decrypt-failed",
        "one bit of the ECDH-wrapped content key flipped (AES key unwrap fails)")
    # What FuzzEnvelopeOpen found: AES key wrap *with padding*, the wrapped key damaged. OpenSSL 3.0
    # writes 8 bytes past a heap buffer when such a key fails to unwrap; the policy refuses the
    # algorithm first (docs/testing.md).
    pad = pki.seal(content("key wrap with padding"), encrypt_extra=["-wrap", "id-aes256-wrap-pad"])
    padded_key = envelope_parts(pad)[1].children()[0].children()[-1].children()[0].children()[1]
    assert padded_key.tag == 0x04
    put("key-wrap-with-padding-damaged.der", flipped(pad, body_offset(padded_key, 3)), "weak-crypto",
        "ECDH with AES key wrap with padding (id-aes256-wrap-pad), the wrapped key damaged: refused before OpenSSL unwraps it")
    cbc = pki.seal(content("tampered cbc"), cipher="-aes-256-cbc")
    ciphertext = envelope_parts(cbc)[2].children()[2]
    tampered = next(t for t in (flipped(cbc, body_offset(ciphertext, -k)) for k in range(1, 17)) if not pki.decrypts(t))
    put("tampered-cbc-padding.der", tampered, "decrypt-failed", "the last AES-CBC block altered: its padding is wrong")

    # Inner structures the intake refuses.
    second = signer(f"{HOSTILE_NAME} second")
    put("two-signers.der", pki.encrypt(pki.sign(content("two signers"), extra=["-signer", second[0], "-inkey", second[1]])),
        "malformed", "two SignerInfos (the registered agency's and another)")
    put("detached-signature.der", pki.encrypt(pki.openssl(["cms", "-sign", "-binary", "-signer", pki.crt("police"), "-inkey",
                                                           pki.key("police"), "-outform", "DER"], content("detached"))),
        "malformed", "a detached signature: the SignedData carries no content")
    put("not-signed.der", pki.encrypt(content("not signed")), "malformed", "the return encrypted (AES-GCM) without being signed")
    put("not-signed-cbc.der", pki.encrypt(content("not signed, cbc"), cipher="-aes-256-cbc"), "decrypt-failed",
        "the return encrypted (AES-CBC) without being signed: unauthenticated bytes that are not CMS are what a wrong key "
        "gives (docs/envelope.md)")


# ---------------------------------------------------------------- HTTP requests
def http_entries():
    def req(name, data, status, note):
        write("http", name, data, status, note)
    req("get-no-host.txt", b"GET /healthz HTTP/1.1\r\n\r\n", 200, "HTTP/1.1 without Host (served: the socket is local)")
    req("garbage-request-line.txt", b"HELLO WORLD\r\n\r\n", 400, "not HTTP")
    req("binary-request.txt", bytes(range(256)) * 4, 400, "binary junk")
    req("header-flood.txt", b"GET /healthz HTTP/1.1\r\n" + b"X-A: " + b"a" * 200000 + b"\r\n\r\n", 400, "a 200 KB header")
    req("declared-1tb.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Length: 1099511627776\r\n\r\n", 413,
        "a declared terabyte, refused before the body")
    req("two-lengths.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        400, "two Content-Lengths (request smuggling)")
    req("length-and-chunked.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        400, "Content-Length and chunked together (request smuggling)")
    req("negative-length.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Length: -1\r\n\r\n", 400, "a negative length")
    req("no-length.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\n\r\n", 411, "a POST without a length")
    req("path-traversal.txt", b"GET /v1/cases/../../etc/passwd HTTP/1.1\r\nHost: i\r\n\r\n", 404, "a path-like case ref")
    req("case-html.txt", b"GET /v1/cases/%3Cscript%3E HTTP/1.1\r\nHost: i\r\n\r\n", 404, "markup in a case ref")
    req("delete.txt", b"DELETE /v1/submissions HTTP/1.1\r\nHost: i\r\n\r\n", 405, "a method the API does not have")
    req("slow-loris.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Len", 0,
        "half a head, then silence: closed after request_timeout (0: no answer expected)")
    req("stalled-body.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Length: 1000\r\n\r\nabc", 408,
        "a body that stops: 408 after request_timeout")
    req("junk-body.txt", b"POST /v1/submissions HTTP/1.1\r\nHost: i\r\nContent-Length: 4\r\n\r\njunk", 400,
        "a body that is not an envelope: malformed, recorded")


def write_manifest():
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump({"schema": "intake-hostile-corpus/v1", "made-by": "scripts/make-hostile-corpus.py", "entries": entries}, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} inputs in {os.path.relpath(ROOT)}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--envelopes":
        ROOT = os.path.abspath(sys.argv[2])
        makers = {"envelope": envelope_entries}
    elif len(sys.argv) == 1:
        makers = {"raw": raw_entries, "content": content_entries, "http": http_entries}
    else:
        sys.exit("usage: scripts/make-hostile-corpus.py [--envelopes DIR]")
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for kind, make in makers.items():
        os.makedirs(os.path.join(ROOT, kind))
        make()
    write_manifest()
