#!/usr/bin/env python3
"""Check an intake ledger from outside, with Python and no Swift (docs/ledger.md).

    scripts/check-ledger.py HOME

Reads HOME/ledger.sqlite (read-only) and HOME/keys/ledger.vkey, and checks:

  1. log_entry.idx runs 0, 1, 2, ... with no gap;
  2. each entry is UTF-8 canonical JSON (keys sorted by UTF-16 code units, no whitespace)
     and SHA-256(0x00 || entry) equals the stored leaf_hash;
  3. each stored log_node (level, idx) equals SHA-256(0x01 || left || right) of its children;
  4. each checkpoint's root_hash equals the RFC 9162 root of the first tree_size leaves,
     recomputed from the entry bytes, and its note is the C2SP checkpoint of that root,
     signed (Ed25519) by the key in keys/ledger.vkey;
  5. the latest checkpoint covers every entry.

Prints "OK ..." and exits 0, or "BAD <index>: <why>" for the first leaf index that is not
vouched for, and exits 1. A failing checkpoint is reported at the first leaf it adds over the
last good checkpoint. Signature checks need the `cryptography` package; without it they are
skipped and the OK line says so.
"""
import base64
import hashlib
import json
import os
import sqlite3
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # signature checks are skipped
    Ed25519PublicKey = None


def sha256(*parts):
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.digest()


def canonical(value):
    """Canonical JSON text: members sorted by UTF-16 code units, no whitespace."""
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + canonical(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def fold(subtrees):
    """The root from the perfect subtrees' hashes, left to right, folded from the right."""
    if not subtrees:
        return sha256(b"")
    root = subtrees[-1][1]
    for _, left in reversed(subtrees[:-1]):
        root = sha256(b"\x01", left, root)
    return root


def read_vkey(path):
    name, keyid_hex, key_b64 = open(path).read().strip().split("+", 2)
    typed = base64.b64decode(key_b64, validate=True)
    if typed[0] != 0x01 or len(typed) != 33:
        raise ValueError("keys/ledger.vkey is not an Ed25519 note verifier key")
    if sha256(name.encode(), b"\n\x01", typed[1:])[:4].hex() != keyid_hex:
        raise ValueError("keys/ledger.vkey: key ID does not match name and key")
    return name, bytes.fromhex(keyid_hex), typed[1:]


def check_note(note, size, root, origin, vkey):
    """None when `note` is a checkpoint of (size, root) validly signed by vkey, else why not."""
    cut = note.rfind("\n\n")
    if cut < 0:
        return "checkpoint note has no signature block"
    text, signatures = note[: cut + 1], note[cut + 2 :].splitlines()
    lines = text.split("\n")[:-1]
    if len(lines) < 3 or lines[1] != str(size) or lines[2] != base64.b64encode(root).decode():
        return "checkpoint note does not state this tree size and root"
    if origin is not None and lines[0] != origin:
        return "checkpoint origin %r differs from the ledger key name %r" % (lines[0], origin)
    if vkey is None or Ed25519PublicKey is None:
        return None
    name, keyid, public = vkey
    for line in signatures:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014" or parts[1] != name:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] != keyid:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(blob[4:], text.encode())
            return None
        except InvalidSignature:
            return "checkpoint signature does not verify with keys/ledger.vkey"
    return "checkpoint has no signature by keys/ledger.vkey"


def check(home):
    vkey = read_vkey(os.path.join(home, "keys", "ledger.vkey"))
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(home, "ledger.sqlite"), uri=True)
    nodes = {(l, i): bytes(h) for l, i, h in db.execute("SELECT level, idx, hash FROM log_node")}
    checkpoints = {s: (bytes(r), n) for s, r, n in db.execute("SELECT tree_size, root_hash, note FROM checkpoint")}
    subtrees = []  # (level, hash) of the maximal perfect subtrees, left to right
    vouched = 0    # leaves [0, vouched) are covered by a good checkpoint
    size = 0
    for idx, entry, leaf_hash in db.execute("SELECT idx, entry, leaf_hash FROM log_entry ORDER BY idx"):
        if idx != size:
            return "BAD %d: no entry at this index" % size
        entry = entry.encode() if isinstance(entry, str) else bytes(entry)
        try:
            if canonical(json.loads(entry.decode("utf-8"))).encode() != entry:
                return "BAD %d: entry is not canonical JSON" % idx
        except ValueError:
            return "BAD %d: entry is not UTF-8 JSON" % idx
        leaf = sha256(b"\x00", entry)
        if leaf != bytes(leaf_hash):
            return "BAD %d: SHA-256(0x00 || entry) differs from the stored leaf_hash" % idx
        subtrees.append((0, leaf))
        size += 1
        while len(subtrees) > 1 and subtrees[-1][0] == subtrees[-2][0]:
            (level, left), (_, right) = subtrees[-2], subtrees[-1]
            node = sha256(b"\x01", left, right)
            subtrees[-2:] = [(level + 1, node)]
            # Node (l, i) covers leaves [i << l, (i + 1) << l); it completes with leaf size - 1.
            l, i = level + 1, (size >> (level + 1)) - 1
            stored = nodes.pop((l, i), None)
            if stored != node:
                return "BAD %d: stored node (%d, %d) is %s" % (i << l, l, i, "missing" if stored is None else "wrong")
        if size in checkpoints:
            root, note = checkpoints.pop(size)
            why = "checkpoint %d: root_hash differs from the recomputed root" % size if root != fold(subtrees) \
                else check_note(note, size, root, vkey[0], vkey)
            if why:
                return "BAD %d: %s" % (vouched, why)
            vouched = size
    if nodes:
        return "BAD %d: stored node %s beyond the log" % (size, min(nodes))
    if checkpoints:
        return "BAD %d: checkpoint for tree size %d beyond the log" % (size, min(checkpoints))
    if vouched != size:
        return "BAD %d: no checkpoint covers the log's %d entries" % (vouched, size)
    signed = "Ed25519 signatures verified" if Ed25519PublicKey else "signatures NOT checked (no cryptography)"
    return "OK %d entries, root %s, %s" % (size, fold(subtrees).hex(), signed)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: check-ledger.py HOME")
    result = check(sys.argv[1])
    print(result)
    sys.exit(0 if result.startswith("OK") else 1)
