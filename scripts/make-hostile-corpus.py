#!/usr/bin/env python3
"""Make the hostile-input corpus: Fuzz/hostile/ (issue 6, docs/testing.md).

    scripts/make-hostile-corpus.py            # rewrites Fuzz/hostile/ from scratch

Three kinds of input, each with the outcome the intake must give, listed in
Fuzz/hostile/manifest.json and run by HostileCorpusTests:

- raw/      bytes fed to the pipeline as an envelope (hostile ASN.1, PEM and S/MIME);
- content/  scoping-return documents that the test signs and seals as an agency (with stock
            openssl and test-time keys: no private key is ever committed), then feeds in;
- http/     raw HTTP/1.1 requests written to the socket, with the status expected.

Deterministic: the same script makes the same files.
"""
import base64
import json
import os
import shutil

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


if __name__ == "__main__":
    if os.path.isdir(ROOT):
        shutil.rmtree(ROOT)
    for kind in ["raw", "content", "http"]:
        os.makedirs(os.path.join(ROOT, kind))
    raw_entries()
    content_entries()
    http_entries()
    with open(os.path.join(ROOT, "manifest.json"), "w") as f:
        json.dump({"schema": "intake-hostile-corpus/v1", "made-by": "scripts/make-hostile-corpus.py", "entries": entries}, f, indent=1)
        f.write("\n")
    print(f"{len(entries)} inputs in {os.path.relpath(ROOT)}")
