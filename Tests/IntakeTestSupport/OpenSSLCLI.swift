public import Foundation

/// Runs the stock `openssl` command, as agencies and admins do, to make test fixtures.
public enum OpenSSLCLI {
    public struct Failure: Error, CustomStringConvertible {
        public let arguments: [String]
        public let status: Int32
        public let stderr: String
        public var description: String { "openssl \(arguments.joined(separator: " ")) exited \(status): \(stderr)" }
    }

    /// Runs `openssl ARGUMENTS` in `directory`, feeding `input` on stdin; returns stdout.
    @discardableResult
    public static func run(_ arguments: [String], in directory: URL, input: Data? = nil) throws -> Data {
        try Subprocess.run("/usr/bin/openssl", arguments, in: directory, input: input)
    }
}

/// A minimal synchronous subprocess runner for tests and fixtures. Standard input, output
/// and error go through temporary files (no pipes: nothing to deadlock or be interrupted).
public enum Subprocess {
    public static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil,
                           input: Data? = nil, environment: [String: String]? = nil) throws -> Data {
        let result = try capture(executable, arguments, in: directory, input: input, environment: environment)
        guard result.status == 0 else {
            throw OpenSSLCLI.Failure(arguments: arguments, status: result.status, stderr: String(decoding: result.stderr, as: UTF8.self))
        }
        return result.stdout
    }

    /// Runs to completion and returns the exit status, standard output and standard error
    /// (through files: reading pipes from a test process is not safe here).
    public static func capture(_ executable: String, _ arguments: [String], in directory: URL? = nil, input: Data? = nil,
                               environment: [String: String]? = nil) throws -> (status: Int32, stdout: Data, stderr: Data) {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("subprocess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let inURL = scratch.appendingPathComponent("in"), outURL = scratch.appendingPathComponent("out"),
            errURL = scratch.appendingPathComponent("err")
        try (input ?? Data()).write(to: inURL)
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let stdin = try FileHandle(forReadingFrom: inURL), stdout = try FileHandle(forWritingTo: outURL),
            stderr = try FileHandle(forWritingTo: errURL)
        defer { try? stdin.close(); try? stdout.close(); try? stderr.close() }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if let environment { process.environment = environment }
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try Data(contentsOf: outURL), try Data(contentsOf: errURL))
    }
}
