"""Envelopes and certificates made with the stock `openssl` command and the fuzzing-only PKI that
scripts/make-fuzz-pki.sh makes in Fuzz/keys/ (or in $FUZZ_KEYS; Fuzz/keys/README.md). Shared by scripts/make-fuzz-seeds.py and
scripts/make-hostile-corpus.py.

Envelopes are made the way DESIGN.md §3 shows: `openssl cms -sign` then `openssl cms -encrypt`.
Certificates that the `openssl` command cannot make (a 10,000-character or NUL-bearing name,
an unknown critical extension, dates in 2000 or 2120) are assembled here as DER and signed with
`openssl dgst -sign`; their private keys live in a temporary directory and are thrown away.
"""
import atexit
import base64
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
# The PKI made by scripts/make-fuzz-pki.sh (never committed): Fuzz/keys/, or FUZZ_KEYS.
KEYS = os.environ.get("FUZZ_KEYS") or os.path.join(REPO, "Fuzz", "keys")
SCRATCH = tempfile.mkdtemp(prefix="fuzzpki-")
atexit.register(shutil.rmtree, SCRATCH, True)

CASE_REF = "RR-2026-014"


def openssl(args, data=None):
    """Runs `openssl ARGS` with DATA on stdin; returns stdout (raises on failure)."""
    result = subprocess.run(["openssl"] + args, input=data, capture_output=True, cwd=SCRATCH)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:3])} …: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout


def key(name):
    return os.path.join(KEYS, f"{name}.key")


def crt(name):
    return os.path.join(KEYS, f"{name}.crt")


# ---------------------------------------------------------------- scoping returns
def scoping_return(note, agency="police", case=CASE_REF, complete=True, attachments=None):
    """A scoping-return/v1 document as JSON bytes; NOTE makes its content unique."""
    document = {
        "schema": "scoping-return/v1", "caseRef": case, "agencyId": agency,
        "author": {"name": "Fuzz Author", "role": "Lead"},
        "involvement": {"status": "involved", "summary": f"Fuzz summary: {note}."},
        "chronology": [{"date": "2026-11-01", "event": "Fuzz event.", "practitionerRole": "Practitioner", "action": "Fuzz action."}],
        "immediateSafeguardingActions": "Fuzz actions.",
        "learning": "Fuzz learning.",
        "recordsSecured": {"secured": True, "securedOn": "2026-11-24", "securedBy": "Records officer", "reference": "REF-1"},
    }
    if complete:
        document["signOff"] = {"name": "Fuzz Manager", "role": "Head", "date": "2026-11-24"}
    if attachments:
        document["attachments"] = [{"name": name, "mediaType": media, "sha256": hashlib.sha256(data).hexdigest(),
                                    "dataBase64": base64.b64encode(data).decode()} for name, media, data in attachments]
    return json.dumps(document, separators=(",", ":")).encode()


# ---------------------------------------------------------------- sign and encrypt
def sign(content, signer=("police",), extra=()):
    """`openssl cms -sign` (attached, binary) as SIGNER: a fuzz PKI name, or a (cert, key) pair of paths."""
    cert, private = (crt(signer[0]), key(signer[0])) if len(signer) == 1 else signer
    return openssl(["cms", "-sign", "-binary", "-nodetach", "-signer", cert, "-inkey", private, "-outform", "DER"] + list(extra),
                   content)


def encrypt(signed, recipients=("intake-ec",), cipher="-aes-256-gcm", outform="DER", extra=()):
    """`openssl cms -encrypt` of SIGNED to RECIPIENTS (fuzz PKI names or certificate paths).
    EXTRA follows the last `-recip` (so that `-keyopt` applies to it)."""
    recips = [a for r in recipients for a in ["-recip", r if os.path.sep in r else crt(r)]]
    return openssl(["cms", "-encrypt", "-binary", cipher, "-outform", outform] + recips + list(extra), signed)


def seal(content, recipients=("intake-ec",), cipher="-aes-256-gcm", outform="DER", signer=("police",), sign_extra=(),
         encrypt_extra=()):
    return encrypt(sign(content, signer, sign_extra), recipients, cipher, outform, encrypt_extra)


def decrypts(envelope, recipient="intake-ec"):
    """Whether stock openssl decrypts ENVELOPE (DER) with the fuzz intake key."""
    try:
        openssl(["cms", "-decrypt", "-binary", "-inform", "DER", "-recip", crt(recipient), "-inkey", key(recipient)], envelope)
        return True
    except RuntimeError:
        return False


# ---------------------------------------------------------------- DER
def der_length(n):
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def tlv(tag, body):
    return bytes([tag]) + der_length(len(body)) + body


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    body = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, body)


def integer(n):
    return tlv(0x02, n.to_bytes(n.bit_length() // 8 + 1, "big"))


class Node:
    """One DER element: its tag, where it starts, its header length and its body length."""

    def __init__(self, data, start):
        self.data, self.start, self.tag = data, start, data[start]
        first = data[start + 1]
        if first < 0x80:
            self.header, self.length = 2, first
        else:
            count = first & 0x7F
            assert count, "indefinite length"
            self.header, self.length = 2 + count, int.from_bytes(data[start + 2:start + 2 + count], "big")
        self.end = start + self.header + self.length

    @property
    def body(self):
        return self.data[self.start + self.header:self.end]

    @property
    def whole(self):
        return self.data[self.start:self.end]

    def children(self):
        result, at = [], self.start + self.header
        while at < self.end:
            child = Node(self.data, at)
            result.append(child)
            at = child.end
        return result


def parse(data):
    return Node(data, 0)


def pem_to_der(path):
    return openssl(["x509", "-in", path, "-outform", "DER"])


def pem_to_der_raw(path):
    """The DER inside a PEM file, without asking OpenSSL to parse it."""
    with open(path) as f:
        return base64.b64decode("".join(line for line in f.read().splitlines() if not line.startswith("-----")))


def to_pem(der, label="CERTIFICATE"):
    text = base64.encodebytes(der).decode().replace("\n", "")
    lines = [text[i:i + 64] for i in range(0, len(text), 64)]
    return f"-----BEGIN {label}-----\n" + "\n".join(lines) + f"\n-----END {label}-----\n"


# ---------------------------------------------------------------- certificates
ECDSA_SHA256 = tlv(0x30, oid("1.2.840.10045.4.3.2"))
EMAIL_PROTECTION = "1.3.6.1.5.5.7.3.4"


def name(*attributes):
    """An X.509 Name from (OID, tag, text-or-bytes) triples, one RDN each."""
    rdns = b""
    for attribute_oid, tag, value in attributes:
        raw = value if isinstance(value, bytes) else value.encode("utf-8")
        rdns += tlv(0x31, tlv(0x30, oid(attribute_oid) + tlv(tag, raw)))
    return tlv(0x30, rdns)


def common_name(text, tag=0x0C):
    return name(("2.5.4.10", 0x0C, "Fuzzing Only"), ("2.5.4.3", tag, text))


def time(stamp):
    """YYYYMMDDHHMMSSZ: UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5)."""
    return tlv(0x17, stamp[2:].encode()) if int(stamp[:4]) < 2050 else tlv(0x18, stamp.encode())


def extension(extension_oid, value, critical=False):
    return tlv(0x30, oid(extension_oid) + (b"\x01\x01\xff" if critical else b"") + tlv(0x04, value))


def agency_extensions(ca=False, key_usage=b"\x03\x02\x06\xc0", eku=EMAIL_PROTECTION, more=()):
    """The agency_sign profile (Keys/openssl.cnf), or a variation of it."""
    issuer_key_id = parse(_ca_extension("2.5.29.14")).body  # the CA's subjectKeyIdentifier OCTET STRING
    extensions = [
        extension("2.5.29.19", tlv(0x30, b"\x01\x01\xff" if ca else b""), critical=True),
        extension("2.5.29.15", key_usage, critical=True),
        extension("2.5.29.35", tlv(0x30, tlv(0x80, issuer_key_id))),
    ]
    if eku:
        extensions.append(extension("2.5.29.37", tlv(0x30, oid(eku))))
    return extensions + list(more)


def _tbs_fields(der):
    return parse(der).children()[0].children()


def subject_of(certificate_path):
    """The subject Name (DER) of a certificate file."""
    return _tbs_fields(pem_to_der(certificate_path))[5].whole


def _ca_extension(extension_oid):
    fields = _tbs_fields(pem_to_der(crt("ca")))
    for item in fields[-1].children()[0].children():
        parts = item.children()
        if parts[0].whole == oid(extension_oid):
            return parts[-1].body
    raise KeyError(extension_oid)


_counter = [0]


def new_key(kind="ec"):
    """A throwaway private key in the scratch directory."""
    _counter[0] += 1
    path = os.path.join(SCRATCH, f"k{_counter[0]}.key")
    spec = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"] if kind == "ec" else ["-algorithm", "RSA", "-pkeyopt",
                                                                                              "rsa_keygen_bits:2048"]
    openssl(["genpkey"] + spec + ["-out", path])
    return path


def certificate(subject, extensions, not_before="20260101000000Z", not_after="21260101000000Z", issuer="ca",
                private=None, serial=None, self_signed=False):
    """Assembles and signs a certificate; returns (certificate PEM path, key path). Issued by
    ISSUER (a fuzz PKI name, or a (certificate, key) pair of paths), or self-signed. The key is
    PRIVATE or a new throwaway one."""
    private = private or new_key()
    spki = openssl(["pkey", "-in", private, "-pubout", "-outform", "DER"])
    _counter[0] += 1
    issuer_crt, issuer_key = (crt(issuer), key(issuer)) if isinstance(issuer, str) else issuer
    issuer_name = subject if self_signed else subject_of(issuer_crt)
    tbs = tlv(0x30, tlv(0xA0, integer(2)) + integer(serial or 0x7000_0000 + _counter[0]) + ECDSA_SHA256 + issuer_name
              + tlv(0x30, time(not_before) + time(not_after)) + subject + spki
              + tlv(0xA3, tlv(0x30, b"".join(extensions))))
    signature = openssl(["dgst", "-sha256", "-sign", private if self_signed else issuer_key], tbs)
    der = tlv(0x30, tbs + ECDSA_SHA256 + tlv(0x03, b"\x00" + signature))
    path = os.path.join(SCRATCH, f"c{_counter[0]}.crt")
    with open(path, "w") as f:
        f.write(to_pem(der))
    return path, private


def with_serial(certificate_der, serial):
    """CERTIFICATE_DER with another serial number (and so a signature that no longer matches)."""
    outer = parse(certificate_der)
    tbs, algorithm, signature = outer.children()
    fields = tbs.children()
    body = fields[0].whole + integer(serial) + b"".join(f.whole for f in fields[2:])
    return tlv(0x30, tlv(0x30, body) + algorithm.whole + signature.whole)


def with_certificates(signed_data, extra, keep=True):
    """A SignedData ContentInfo (DER) with the certificates EXTRA added to its [0] certificates,
    or in their place unless KEEP (they are outside what the signature covers)."""
    info = parse(signed_data)
    content_type, explicit = info.children()
    fields = explicit.children()[0].children()
    rebuilt = b""
    for field in fields:
        if field.tag == 0xA0:  # certificates [0] IMPLICIT SET OF
            rebuilt += tlv(0xA0, (field.body if keep else b"") + b"".join(extra))
        else:
            rebuilt += field.whole
    return tlv(0x30, content_type.whole + tlv(0xA0, tlv(0x30, rebuilt)))
