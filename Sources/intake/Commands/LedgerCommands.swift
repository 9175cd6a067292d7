import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Audit the home read-only: the Merkle log, every checkpoint, the stored envelopes, the tables.",
        discussion: """
        Recomputes every leaf hash, every stored node and every checkpoint's root from the entries;
        checks every checkpoint's Ed25519 signature (keys/ledger.vkey) and origin; checks that every
        event's envelope is in store/ or quarantine/ and still hashes to its name, that nothing in
        store/ lacks an event, and that the index tables (agencies, cases, submissions, milestones)
        hold exactly what the log says. --checkpoint FILE (repeatable) also proves that checkpoints
        exported earlier are prefixes of this ledger: a ledger rolled back, truncated or forked since
        fails. Exits 1 and names the first bad index or file on any failure.
        """
    )

    @OptionGroup var home: HomeOption
    @Option(name: .customLong("checkpoint"), help: "A signed checkpoint exported earlier (repeatable).")
    var checkpoints: [String] = []
    @Flag(help: "JSON output.") var json = false

    func run() throws {
        let opened = try home.open(readOnly: true)
        let exported = try checkpoints.map { path in
            try Failure.report { try SignedNote.parse(bytes: readFile(path)) }
        }
        let audit = try Failure.report { try HomeAudit.run(opened, exportedCheckpoints: exported) }
        if json {
            print(PrettyJSON.encode(.object([
                "ok": .bool(audit.ok), "treeSize": .int(audit.treeSize), "rootHash": .string(Base64.encode(audit.rootHash)),
                "checkpointsChecked": .int(audit.checkpointsChecked), "envelopesChecked": .int(audit.envelopes.count),
                "exportedCheckpointsChecked": .int(exported.count),
                "findings": .array(audit.findings.map { finding in
                    .object(["code": .string(finding.code), "index": finding.index.map(JSONValue.int) ?? .null,
                             "message": .string(finding.message)])
                }),
            ])))
        } else if audit.ok {
            print("ok: \(audit.treeSize) entries, \(audit.checkpointsChecked) checkpoints, \(audit.envelopes.count) envelopes, "
                  + "\(exported.count) exported checkpoints; root \(Base64.encode(audit.rootHash))")
        } else {
            for finding in audit.findings { print("FAIL \(finding)") }
        }
        if let first = audit.findings.first {
            throw Failure.exit("verify-failed", "first failure: \(first)")
        }
    }
}

struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Print the latest signed checkpoint (a C2SP signed note), to publish or keep.",
        discussion: """
        Keep or publish it (to the Panel, a witness, the agencies): `intake verify --checkpoint FILE`
        later proves the ledger still extends it.
        """
    )
    @OptionGroup var home: HomeOption

    func run() throws {
        let opened = try home.open(readOnly: true)
        guard let checkpoint = try Failure.report({ try opened.ledger.latestSignedCheckpoint() }) else {
            throw Failure.exit("empty", "the ledger has no checkpoint yet")
        }
        print(checkpoint.note, terminator: "")
    }
}

struct ProveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print a C2SP tlog-proof that entry INDEX is in the ledger (against the latest checkpoint).",
        discussion: "The proof holds the entry's index, its RFC 9162 inclusion proof and the signed checkpoint."
    )
    @OptionGroup var home: HomeOption
    @Argument(help: "The entry's index in the ledger.") var index: Int
    @Flag(help: "Also print the entry itself (its canonical JSON) first, on one line.") var entry = false

    func run() throws {
        let opened = try home.open(readOnly: true)
        try Failure.report {
            if entry, let bytes = try opened.ledger.entry(at: index) { print(String(decoding: bytes, as: UTF8.self)) }
            print(try opened.ledger.tlogProof(index: index).format(), terminator: "")
        }
    }
}
