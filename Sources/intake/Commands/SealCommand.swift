import ArgumentParser
import Foundation
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger

struct SealCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seal",
        abstract: "The agency side: sign a scoping return and encrypt it to the intake certificate.",
        discussion: """
        Makes the same envelope as the stock-openssl recipe (an AES-256-GCM AuthEnvelopedData holding a
        SignedData with attached content, SHA-256, signer certificate included):

          openssl cms -sign -binary -nodetach -in return.json -signer agency.crt -inkey agency.key -outform DER |
          openssl cms -encrypt -binary -aes-256-gcm -recip intake.crt -outform DER -out return.p7m

        --case and --agency are checked against (or filled into) the return's caseRef and agencyId.
        Each --attach file is embedded with its media type and SHA-256. The return is validated first:
        an invalid one is refused; an incomplete one is sealed with a warning naming what is missing.
        """
    )

    @Option(name: .customLong("case"), help: "The case reference the return is for.") var caseRef: String
    @Option(help: "Your agency id, as registered with the partnership.") var agency: String
    @Option(help: "Your signing certificate (PEM).") var cert: String
    @Option(help: "Your signing key (PEM).") var key: String
    @Option(help: "The partnership's intake certificate (PEM) to encrypt to.") var to: String
    @Option(help: "A file to attach (repeatable).") var attach: [String] = []
    @Option(help: "Intermediate CA certificates to include (PEM file).") var chain: String?
    @Option(help: "Output encoding: der (default), pem or smime.") var outform: String = "der"
    @Argument(help: "The scoping return (JSON, scoping-return/v1).") var returnFile: String
    @Option(name: .shortAndLong, help: "The envelope to write.") var output: String

    func run() throws {
        guard ["der", "pem", "smime"].contains(outform) else { throw ValidationError("--outform must be der, pem or smime") }
        let json = try readFile(returnFile)
        let attachments = try attach.map { path in (path, try readFile(path)) }
        let (signerPEM, keyPEM, recipientPEM) = (try readFile(cert), try readFile(key), try readFile(to))
        let chainPEM = try chain.map(readFile)
        try Failure.report {
            let content = try ReturnSealing.prepare(json, caseRef: caseRef, agencyId: agency, attachments: attachments)
            switch ScopingReturn.validate(bytes: content) {
            case .invalid(let problems):
                throw HomeError("invalid-return", "the return is not valid scoping-return/v1: " + problems.prefix(5).map(\.description).joined(separator: ", "))
            case .valid(_, let completeness):
                if case .incomplete(let missing) = completeness {
                    FileHandle.standardError.write(Data("intake: warning: the return is incomplete (missing \(missing.map(\.code).joined(separator: ", "))); it will be accepted but marked incomplete\n".utf8))
                }
            }
            let recipient = try Certificate(pem: recipientPEM)
            guard recipient.allowsEncryption else {
                throw HomeError("not-an-encryption-certificate",
                                "\(to) is not a certificate to encrypt to (its key usage allows neither keyAgreement nor keyEncipherment); "
                                + "use the partnership's intake certificate, intake.crt")
            }
            let envelope = try EnvelopeSealer.seal(content, signer: Certificate(pem: signerPEM), key: PrivateKey(pem: keyPEM),
                                                   chain: chainPEM.map { try Certificate.all(pem: $0) } ?? [],
                                                   to: [recipient])
            let encoded: [UInt8] = switch outform {
            case "pem": try EnvelopeSealer.pem(fromDER: envelope)
            case "smime": EnvelopeSealer.smime(fromDER: envelope)
            default: envelope
            }
            guard FileManager.default.createFile(atPath: output, contents: Data(encoded)) else {
                throw HomeError("write-failed", "cannot write \(output)")
            }
            print("sealed \(output): \(encoded.count) bytes, envelope sha256 \(SHA256.hex(encoded)), content sha256 \(SHA256.hex(content))")
        }
    }
}

/// Fills in `caseRef`, `agencyId` and attachments before sealing.
enum ReturnSealing {
    static func prepare(_ json: [UInt8], caseRef: String, agencyId: String, attachments: [(String, [UInt8])]) throws -> [UInt8] {
        guard case .object(var members) = try JSONParser.parse(json) else {
            throw HomeError("invalid-return", "the return is not a JSON object")
        }
        for (key, value) in [("caseRef", caseRef), ("agencyId", agencyId)] {
            if let present = members[key], present != .string(value) {
                throw HomeError("invalid-return", "the return's \(key) does not match --\(key == "caseRef" ? "case" : "agency")")
            }
            members[key] = .string(value)
        }
        if !attachments.isEmpty {
            var list = members["attachments"]?.arrayValue ?? []
            for (path, data) in attachments {
                let name = (path as NSString).lastPathComponent
                list.append(.object(["name": .string(name), "mediaType": .string(mediaType(name)),
                                     "sha256": .string(SHA256.hex(data)), "dataBase64": .string(Base64.encode(data))]))
            }
            members["attachments"] = .array(list)
        }
        return Array((PrettyJSON.encode(.object(members)) + "\n").utf8)
    }

    static func mediaType(_ name: String) -> String {
        switch (name as NSString).pathExtension.lowercased() {
        case "pdf": "application/pdf"
        case "txt": "text/plain"
        case "csv": "text/csv"
        case "json": "application/json"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        default: "application/octet-stream"
        }
    }
}
