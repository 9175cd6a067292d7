import FuzzDriver
import IntakeCore
import IntakeCrypto

/// The whole envelope path as `Pipeline.prepare` runs it, up to the ledger: DER/PEM/S-MIME
/// decoding, OpenSSL's CMS parse, the crypto policy, the recipient, decryption with the
/// fuzzing-only intake key (EC, then RSA when the envelope is not for the EC one), the inner
/// SignedData, the signature, the chain at a fixed receipt time, an RFC 2634 receipt when one
/// is asked for, the `scoping-return/v1` validation, the signer's agency, the submission policy
/// against an open case, and the ledger events it would append (made and re-parsed, not written).
///
/// `FUZZ_TALLY=1` prints how many inputs ended in each outcome when the process exits (`Tally`).
struct Fixture: Sendable {
    let openers: [EnvelopeOpener]
    let registered: [Certificate]
    /// Registered certificates' fingerprints and their agencies (the ledger's pinning).
    let agencies: [String: String]
    /// RR-2026-014, open, expecting police and health; police has sent a version 1.
    let openCase = CaseSnapshot(ref: "RR-2026-014", closed: false, expectedAgencies: ["police", "health"],
                                latest: .init(version: 1, contentSha256: String(repeating: "0", count: 64), ledgerIndex: 3))

    static let shared: Fixture = {
        do {
            let trust = try TrustStore(anchors: [Certificate(pem: fuzzKey("ca.crt"))])
            let receipts = (certificate: try Certificate(pem: fuzzKey("receipt.crt")), key: try PrivateKey(pem: fuzzKey("receipt.key")))
            let openers = try ["intake-ec", "intake-rsa"].map {
                try EnvelopeOpener(key: PrivateKey(pem: fuzzKey("\($0).key")), certificate: Certificate(pem: fuzzKey("\($0).crt")),
                                   trust: trust, policy: CryptoPolicy(), receiptSigner: receipts)
            }
            let police = try Certificate(pem: fuzzKey("police.crt"))
            return Fixture(openers: openers, registered: [police], agencies: [police.fingerprint: "police"])
        } catch {
            fatalError("the fuzzing-only PKI in Fuzz/keys/ does not load: \(error)")
        }
    }()

    /// The outcome's name and the events the ledger would append for `bytes`.
    func run(_ bytes: [UInt8]) -> (outcome: String, events: [LedgerEvent]) {
        let at = UTCInstant(secondsSinceEpoch: fuzzReceivedAt)
        let facts = SubmissionFacts(channel: "fuzz", envelopeSha256: SHA256.hex(bytes), size: bytes.count, receivedAt: at)
        var rejection = EnvelopeRejection(.malformed, "")
        for opener in openers {
            var input = bytes
            switch opener.openReturn(releasing: &input, receivedAt: fuzzReceivedAt, knownSigners: registered) {
            case .failure(let refused):
                rejection = refused
                if refused.reason == .notForUs { continue }  // perhaps for the other intake key
            case .success(let envelope):
                let opened = OpenedReturn(contentSha256: envelope.content.contentSha256, signerSha256: envelope.signerFingerprint,
                                          signerAgency: agencies[envelope.signerFingerprint], verdict: envelope.content.verdict)
                let decision = SubmissionPolicy.decide(opened, case: SubmissionPolicy.caseReference(for: opened) == openCase.ref ? openCase : nil)
                let outcome = switch decision {
                case .accept(_, _, let completeness): completeness.isComplete ? "accepted" : "accepted-incomplete"
                case .duplicate: "duplicate"
                case .reject(let reason, _): reason.rawValue
                }
                return (envelope.signedReceipt == nil ? outcome : outcome + " (signed receipt)",
                        SubmissionPolicy.events(for: decision, facts: facts, opened: opened, at: at))
            }
            break
        }
        return (rejection.reason.rawValue, [SubmissionPolicy.rejection(rejection.reason, facts: facts, at: at)])
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let (outcome, events) = Fixture.shared.run(Array(UnsafeBufferPointer(start: data, count: size)))
    // What the ledger would append must read back as the same event.
    for event in events where LedgerEvent.parse(entry: event.entry) != event {
        fatalError("a ledger event does not survive its canonical encoding: \(event.kind)")
    }
    Tally.add(outcome)
    return 0
}

@_cdecl("FuzzEnvelopeOpen_main")
func entryPoint(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt { runFuzzer(argc, argv, fuzz) }
