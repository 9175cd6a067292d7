import Foundation
import IntakeCore
import IntakeDaemon
import IntakeTestSupport
import Logging
import Testing

/// Issue 12, item 11: who can read what. The upload front ends (group `intake`) reach drop/
/// and the socket; the ledger, store/, quarantine/, receipts/ and packs/ are the intake
/// user's; nothing in the home is readable by others but public certificates and anchors.
@Suite struct HomeModesTests {
    let pki = sharedPKI

    static func mode(_ path: String) -> UInt32? {
        var info = stat()
        return lstat(path, &info) == 0 ? UInt32(info.st_mode & 0o7777) : nil
    }

    /// A home that has taken an acceptance (with its receipt), a rejection and a checkpoint.
    func busyHome() throws -> TestHome {
        let test = try TestHome(pki: pki)
        let drop = try DropDirectory(pipeline: try test.pipeline())
        let accepted = try drop.process(try test.drop(test.cliSeal(TestHome.returnJSON(agency: "police"), agency: "police")))
        #expect(accepted?.status == .accepted)
        let rejected = try drop.process(try test.drop(Array("not an envelope".utf8)))
        #expect(rejected?.status == .rejected)
        CheckpointPublisher(home: test.home, logger: Logger(label: "test")).publish()
        return test
    }

    func expectModes(_ test: TestHome, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let layout = test.layout
        let expected: [(String, UInt32)] = [
            (layout.ledger, 0o600), (layout.ledger + "-wal", 0o600), (layout.ledger + "-shm", 0o600), (layout.checkpointsLog, 0o640),
            (layout.store, 0o700), (layout.quarantine, 0o700), (layout.receipts, 0o700), (layout.packs, 0o700),
            (layout.receipts + "/police", 0o700), (layout.root, 0o750), (layout.dropNew, 0o770),
        ]
        for (path, mode) in expected {
            #expect(Self.mode(path) == mode, "\(path): \(Self.mode(path).map { String($0, radix: 8) } ?? "missing")", sourceLocation: sourceLocation)
        }
        for directory in [layout.store, layout.quarantine, layout.receipts + "/police"] {
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
            #expect(!files.isEmpty, "\(directory)", sourceLocation: sourceLocation)
            for file in files {
                #expect(Self.mode("\(directory)/\(file)") == 0o440, "\(directory)/\(file)", sourceLocation: sourceLocation)
            }
        }
        // Nothing a stranger can read, but public certificates and the settings' absence of secrets.
        let walker = FileManager.default.enumerator(atPath: layout.root)
        while let relative = walker?.nextObject() as? String {
            guard let mode = Self.mode("\(layout.root)/\(relative)") else { continue }
            let public_ = relative.hasPrefix("trust/") || relative.hasPrefix("pack-recipients") || relative.hasSuffix(".crt")
                || relative.hasSuffix(".vkey")
            #expect(public_ || mode & 0o004 == 0, "\(relative) is world-readable (\(String(mode, radix: 8)))", sourceLocation: sourceLocation)
        }
    }

    @Test func whatTheIntakeKeepsIsNotTheGroupsToRead() throws {
        try expectModes(try busyHome())
    }

    /// An older home (0644 ledger and log, 0750 data directories) is brought to these modes by
    /// the next read-write open; a read-only one changes nothing.
    @Test func anOlderHomeIsTightenedWhenOpenedReadWrite() throws {
        let test = try busyHome()
        let layout = test.layout
        for (path, mode) in [(layout.ledger, 0o644), (layout.ledger + "-wal", 0o644), (layout.ledger + "-shm", 0o644),
                             (layout.checkpointsLog, 0o644), (layout.store, 0o750), (layout.quarantine, 0o750),
                             (layout.receipts, 0o750), (layout.packs, 0o750)] {
            #expect(chmod(path, mode_t(mode)) == 0)
        }
        _ = try Home(layout, readOnly: true)
        #expect(Self.mode(layout.ledger) == 0o644 && Self.mode(layout.store) == 0o750)
        _ = try Home(layout)
        for (path, mode) in [(layout.ledger, 0o600), (layout.checkpointsLog, 0o640), (layout.store, 0o700), (layout.quarantine, 0o700),
                             (layout.receipts, 0o700), (layout.packs, 0o700)] {
            #expect(Self.mode(path) == UInt32(mode), "\(path)")
        }
    }
}
