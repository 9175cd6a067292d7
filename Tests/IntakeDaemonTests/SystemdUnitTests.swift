import Foundation
import IntakeTestSupport
import Testing

/// The unit files in systemd/, checked by systemd's own tools when they are installed
/// (Debian's `systemd` package): `systemd-analyze security` must rate the service 2.0 or
/// lower, `systemd-analyze verify` must be clean, and sysusers/tmpfiles must apply.
let systemdAnalyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }

@Suite(.enabled(if: systemdAnalyze != nil, "systemd-analyze is not installed"))
struct SystemdUnitTests {
    static var analyze: String? { systemdAnalyze }
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static func unit(_ name: String) -> String { repository.appendingPathComponent("systemd/\(name)").path }

    @Test func serviceIsRatedTwoOrLower() throws {
        let result = try Subprocess.capture(Self.analyze!, ["security", "--offline=true", Self.unit("intake.service")])
        let text = String(decoding: result.stdout, as: UTF8.self)
        let line = try #require(text.split(separator: "\n").first { $0.contains("Overall exposure level for intake.service:") })
        let score = try #require(line.split(separator: ":").last?.split(separator: " ").first.flatMap { Double($0) })
        #expect(score <= 2.0, "\(line)")
    }

    @Test func unitsVerifyClean() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The binary where the unit expects it is the one just built.
        let service = try String(contentsOfFile: Self.unit("intake.service"), encoding: .utf8)
            .replacingOccurrences(of: "/usr/local/bin/intake", with: CrashTests.intakeBinary)
        try service.write(to: directory.appendingPathComponent("intake.service"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(atPath: Self.unit("intake.socket"), toPath: directory.appendingPathComponent("intake.socket").path)
        let result = try Subprocess.capture(Self.analyze!, ["verify", directory.appendingPathComponent("intake.socket").path,
                                                        directory.appendingPathComponent("intake.service").path])
        #expect(result.status == 0, "\(String(decoding: result.stderr, as: UTF8.self))")
        #expect(result.stderr.isEmpty, "\(String(decoding: result.stderr, as: UTF8.self))")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-tmpfiles")))
    func sysusersAndTmpfilesMakeTheUserAndHome() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("root-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let users = try Subprocess.capture("/usr/bin/systemd-sysusers", ["--root=\(root.path)", Self.unit("intake.sysusers")])
        #expect(users.status == 0)
        let passwd = try String(contentsOf: root.appendingPathComponent("etc/passwd"), encoding: .utf8)
        #expect(passwd.contains("intake:x:") && passwd.contains(":/var/lib/intake:/usr/sbin/nologin"))
        let files = try Subprocess.capture("/usr/bin/systemd-tmpfiles", ["--root=\(root.path)", "--create", Self.unit("intake.tmpfiles")])
        #expect(files.status == 0)
        let attributes = try FileManager.default.attributesOfItem(atPath: root.appendingPathComponent("var/lib/intake").path)
        #expect((attributes[.posixPermissions] as? Int) == 0o750)
    }
}
