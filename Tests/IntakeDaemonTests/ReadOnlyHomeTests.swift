import Foundation
import Glibc
import IntakeCore
import IntakeCrypto
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// A read-only home (issue 6): the running daemon's home goes read-only just as two returns
/// arrive in the drop directory, and a third is posted to the socket while it lasts. Nothing may
/// be recorded or rejected meanwhile and nothing lost; the daemon says so (a log line, `/healthz`
/// 503, `intake_healthy 0`) and answers the post 503 (retry); once the home can be written again
/// it takes what waited, and the home audits clean with every return accepted exactly once.
///
/// Linux refuses `mount -o remount,ro` (EBUSY) while a file on the filesystem is open for
/// writing, and a running intake holds its ledger so. Each test tries it first, then makes the
/// home read-only the ways that can happen to a running daemon:
/// - a read-only mount over the home (the home bound onto itself, then `mount -o
///   remount,bind,ro`, as systemd's ReadOnlyPaths= or an admin's read-only bind would): what the
///   daemon has open stays writable, whatever it creates, renames or deletes is refused; after
///   `mount -o remount,bind,rw` it must resume by itself;
/// - the kernel after an I/O error (ext4 `errors=remount-ro`): everything is refused, the ledger's
///   own writes too, until the filesystem is unmounted, checked and mounted again, which needs the
///   daemon stopped; it must stop cleanly and, restarted, take what waited.
/// Both need root; the second also ext4 on a loop device.
@Suite(.enabled(if: getuid() == 0, "mounting needs root"))
struct ReadOnlyHomeTests {
    let pki = sharedPKI

    @Test(.timeLimit(.minutes(3)))
    func aHomeRemountedReadOnlyIsReportedAndResumesByItself() async throws {
        let scenario = try Scenario(pki: pki, filesystem: ["-t", "tmpfs", "-o", "size=32m", "tmpfs"])
        defer { scenario.unmount() }
        let daemon = try await scenario.start()
        var bound = false
        try await scenario.deliverAsTheHomeGoesReadOnly(daemon) {
            if (try? Scenario.run("/bin/mount", ["-o", "remount,ro", scenario.mountPoint])) != nil { return }
            try Scenario.run("/bin/mount", ["--bind", scenario.layout.root, scenario.layout.root])
            bound = true
            try Scenario.run("/bin/mount", ["-o", "remount,bind,ro", scenario.layout.root])
        }
        try await scenario.expectReportedAndWaiting(daemon)

        // Writable again: the daemon resumes by itself.
        try Scenario.run("/bin/mount", ["-o", bound ? "remount,bind,rw" : "remount,rw", bound ? scenario.layout.root : scenario.mountPoint])
        try await scenario.expectResumed(daemon)
        #expect(await !daemon.stop(grace: 30) && daemon.exitedCleanly, "\(daemon.logTail)")
        try scenario.expectWhole()
    }

    @Test(.timeLimit(.minutes(3)), .enabled(if: ["/usr/sbin/mkfs.ext4", "/usr/sbin/e2fsck", "/sys/fs/ext4"].allSatisfy {
        FileManager.default.fileExists(atPath: $0)
    }, "needs e2fsprogs and ext4"))
    func aHomeTheKernelMakesReadOnlyLosesNothingAndIsTakenUpAfterRepair() async throws {
        let image = FileManager.default.temporaryDirectory.appendingPathComponent("ext4-\(UUID().uuidString).img").path
        defer { unlink(image) }
        _ = FileManager.default.createFile(atPath: image, contents: nil)
        guard truncate(image, 64 << 20) == 0 else { throw POSIXError(.EIO) }
        try Scenario.run("/usr/sbin/mkfs.ext4", ["-q", "-F", image])
        let scenario = try Scenario(pki: pki, filesystem: ["-o", "loop,errors=remount-ro", image])
        defer { scenario.unmount() }
        let daemon = try await scenario.start()
        try await scenario.deliverAsTheHomeGoesReadOnly(daemon) {
            if (try? Scenario.run("/bin/mount", ["-o", "remount,ro", scenario.mountPoint])) != nil { return }
            // What the kernel does on an I/O error: as if ext4 found an inconsistency.
            let device = String(decoding: try Subprocess.run("/bin/findmnt", ["-n", "-o", "SOURCE", scenario.mountPoint]), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "/").last ?? ""
            try Data("1".utf8).write(to: URL(fileURLWithPath: "/sys/fs/ext4/\(device)/trigger_fs_error"))
        }
        try await scenario.expectReportedAndWaiting(daemon)

        // The admin stops intake, checks the filesystem and mounts it again; intake, restarted,
        // takes what waited.
        #expect(await !daemon.stop(grace: 30) && daemon.exitedCleanly, "a stop on a read-only home: \(daemon.logTail)")
        try Scenario.run("/bin/umount", [scenario.mountPoint])
        let check = try Subprocess.capture("/usr/sbin/e2fsck", ["-f", "-y", image])
        #expect(check.status == 0 || check.status == 1, "e2fsck: \(String(decoding: check.stdout, as: UTF8.self))")
        try Scenario.run("/bin/mount", ["-o", "loop", image, scenario.mountPoint])
        let restarted = try await scenario.start()
        try await scenario.expectResumed(restarted)
        #expect(await !restarted.stop(grace: 30) && restarted.exitedCleanly, "\(restarted.logTail)")
        try scenario.expectWhole()
    }

    /// A home on its own filesystem, the daemon serving it, and the returns: police's and
    /// health's for the drop directory, education's for the socket.
    final class Scenario {
        let mountPoint: String
        let layout: HomeLayout
        let logs: URL
        let dropped: [[UInt8]]
        let posted: [UInt8]
        /// The daemon's ledger size before the home went read-only (from /metrics).
        var sizeBefore = 0
        var daemons = 0

        /// Mounts `filesystem` (mount's arguments before the mount point) and puts a home on it.
        init(pki: TestPKI, filesystem: [String]) throws {
            logs = FileManager.default.temporaryDirectory.appendingPathComponent("read-only-\(UUID().uuidString)")
            mountPoint = logs.appendingPathComponent("mount").path
            try FileManager.default.createDirectory(atPath: mountPoint, withIntermediateDirectories: true)
            try Scenario.run("/bin/mount", filesystem + [mountPoint])
            let test = try TestHome(pki: pki)
            layout = HomeLayout(root: "\(mountPoint)/home")
            try Scenario.run("/bin/cp", ["-a", test.layout.root, layout.root])
            func sealed(_ agency: String) throws -> [UInt8] {
                try EnvelopeSealer.seal(TestHome.returnJSON(agency: agency), signer: pki.certificate(agency), key: pki.key(agency),
                                        to: [test.home.intakeCertificate])
            }
            dropped = [try sealed("police"), try sealed("health")]
            posted = try sealed("education")
            Self.sync(mountPoint)
        }

        /// Unmounts everything (a lazy unmount, should something still hold a file).
        func unmount() {
            for path in [layout.root, mountPoint] { _ = try? Subprocess.capture("/bin/umount", ["-l", path]) }
            try? FileManager.default.removeItem(at: logs)
        }

        /// Makes what is written on `path`'s filesystem durable (an SFTP server that fsyncs).
        static func sync(_ path: String) {
            _ = try? Subprocess.run("/bin/sync", ["-f", path])
        }

        /// Runs a tool (mount, umount, mkfs), ignoring its output.
        static func run(_ tool: String, _ arguments: [String]) throws {
            _ = try Subprocess.run(tool, arguments)
        }

        func start() async throws -> ServeChild {
            daemons += 1
            let daemon = try ServeChild(root: layout.root, log: logs.appendingPathComponent("serve-\(daemons).log").path)
            #expect(await daemon.waitUntilServing(seconds: 30), "\(daemon.logTail)")
            return daemon
        }

        func get(_ target: String) throws -> HTTPTestResponse {
            try HTTPTestConnection.request(unix: layout.path("intake.sock"), "GET", target)
        }

        func metric(_ name: String) throws -> Double? {
            try get("/metrics").text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ")[1]) }
        }

        func post() throws -> HTTPTestResponse {
            try HTTPTestConnection.request(unix: layout.path("intake.sock"), "POST", "/v1/submissions", body: posted)
        }

        /// The daemon is paused while the returns arrive and `makeReadOnly` runs, then goes on:
        /// the returns wait in drop/new as the home goes read-only.
        func deliverAsTheHomeGoesReadOnly(_ daemon: ServeChild, _ makeReadOnly: () throws -> Void) async throws {
            sizeBefore = Int(try #require(try metric("intake_ledger_size")))
            kill(daemon.pid, SIGSTOP)
            for envelope in dropped { try TestHome.drop(envelope, into: layout) }
            Self.sync(mountPoint)
            try makeReadOnly()
            kill(daemon.pid, SIGCONT)
            let probe = open(layout.path("probe"), O_WRONLY | O_CREAT, 0o600)
            let error = errno
            #expect(probe < 0 && error == EROFS, "the home is read-only")
            if probe >= 0 { close(probe) }
        }

        /// While the home is read-only: the daemon logs it, says it is unhealthy, records and
        /// rejects nothing, keeps the returns waiting, and answers a post 503 (retry).
        func expectReportedAndWaiting(_ daemon: ServeChild) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while !daemon.logText.contains("error=read-only"), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
            #expect(daemon.logText.contains(#"msg="storage failing: inputs wait in the drop directory" error=read-only"#), "\(daemon.logTail)")
            #expect(try get("/healthz").status == 503)
            #expect(try metric("intake_healthy") == 0)
            let answer = try post()
            #expect(answer.status == 503 && answer.headers["retry-after"] != nil, "\(answer.text)")
            #expect(answer.json?["error"]?.stringValue == "unavailable")
            #expect(try metric("intake_ledger_size") == Double(sizeBefore), "nothing may be recorded while the home is read-only")
            #expect(Set(try FileManager.default.contentsOfDirectory(atPath: layout.dropNew)).count == dropped.count)
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.quarantine).isEmpty, "nothing rejected")
            #expect(daemon.isRunning)
        }

        /// Writable again: what waited is taken, the post is accepted, the daemon is healthy.
        func expectResumed(_ daemon: ServeChild) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while (try? FileManager.default.contentsOfDirectory(atPath: layout.dropNew))?.isEmpty != true, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(try FileManager.default.contentsOfDirectory(atPath: layout.dropNew).isEmpty, "\(daemon.logTail)")
            let answer = try post()
            #expect(answer.status == 201, "\(answer.text)")
            #expect(try get("/healthz").status == 200)
            #expect(try metric("intake_healthy") == 1)
        }

        /// The home audits clean; each return was accepted exactly once and nothing rejected.
        func expectWhole() throws {
            let home = try Home(layout, readOnly: true)
            #expect(try HomeAudit.run(home).findings.isEmpty)
            let events = try ExactlyOnce.events(in: home.ledger)
            for envelope in dropped + [posted] {
                #expect(events[SHA256.hex(envelope)]?.map(\.kind) == [.submissionAccepted])
                #expect(ExactlyOnce.isKept(SHA256.hex(envelope), in: layout))
            }
            #expect(!events.values.joined().contains { $0.kind == .submissionRejected }, "nothing rejected")
        }
    }
}
