import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Post envelopes to a running daemon's socket and keep their receipts (for upload front ends).",
        discussion: """
        Each FILE is sent as POST /v1/submissions to the socket of a running `intake serve` (--socket, else
        $INTAKE_SOCKET, else HOME/intake.sock): the daemon verifies, decrypts, checks and records it exactly
        as a dropped file, and answers at once. Needs membership of the socket's group, not access to the
        home. Prints one line per file (or, with --json, the daemon's JSON answer). With --receipts DIR,
        each accepted or duplicate submission's signed receipt (CMS DER, `intake receipt verify` checks it)
        is written to DIR/ENVELOPE-SHA256.receipt. Exits 1 if any file was rejected or refused (the reason
        code on stderr); a refused file (429, 503) was not recorded and can be sent again later.
        """
    )

    @OptionGroup var home: HomeOption
    @Option(help: "The daemon's socket (default: $INTAKE_SOCKET, else HOME/intake.sock).") var socket: String?
    @Option(help: "Write each receipt to DIR/ENVELOPE-SHA256.receipt.") var receipts: String?
    @Flag(help: "Print the daemon's JSON answer for each file.") var json = false
    @Argument(help: "Envelopes to submit.") var files: [String]

    func run() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one file") }
        let environment = ProcessInfo.processInfo.environment
        let path = socket ?? environment["INTAKE_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? home.layout.path("intake.sock")
        var failed = 0
        for file in files {
            guard let bytes = FileManager.default.contents(atPath: file) else {
                failed += 1
                FileHandle.standardError.write(Data("intake: unreadable: \(file)\n".utf8))
                continue
            }
            let response = try Failure.report { try SocketClient.request(unixPath: path, method: "POST", target: "/v1/submissions",
                                                                         body: [UInt8](bytes)) }
            let answer = try? JSONParser.parse(response.body)
            if json { print(String(decoding: response.body, as: UTF8.self), terminator: response.body.last == 0x0A ? "" : "\n") }
            guard response.status == 200 || response.status == 201, let answer else {
                failed += 1
                let code = answer?["error"]?.stringValue ?? "http-\(response.status)"
                FileHandle.standardError.write(Data("intake: \(code): \(file): \(answer?["message"]?.stringValue ?? "")\n".utf8))
                continue
            }
            let sha = answer["envelopeSha256"]?.stringValue ?? ""
            if let receipts, let receipt = answer["receipt"]?.stringValue.flatMap({ Base64.decode($0) }) {
                try Failure.report {
                    try FileManager.default.createDirectory(atPath: receipts, withIntermediateDirectories: true)
                    try Data(receipt).write(to: URL(fileURLWithPath: "\(receipts)/\(sha).receipt"), options: .atomic)
                }
            }
            if !json {
                var parts = [answer["status"]?.stringValue ?? "?"]
                for key in ["caseRef", "agencyId"] { if let value = answer[key]?.stringValue { parts.append("\(key == "caseRef" ? "case" : "agency")=\(value)") } }
                if let version = answer["version"]?.intValue { parts.append("version=\(version)") }
                parts.append("envelope=\(sha.prefix(16))")
                parts.append("index=\(answer["ledgerIndex"]?.intValue ?? -1)")
                print("\(file): \(parts.joined(separator: " "))")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
