import Glibc

/// The paths of an intake home directory (DESIGN §5).
public struct HomeLayout: Sendable, Equatable {
    public let root: String
    /// systemd's credentials directory (`$CREDENTIALS_DIRECTORY`, from `LoadCredential=`):
    /// a private key found there as `intake.key`, `receipt.key` or `ledger.key` is used
    /// instead of the one in keys/.
    public let credentials: String?

    public init(root: String, credentials: String? = nil) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        self.credentials = credentials.flatMap { $0.isEmpty ? nil : $0 }
    }

    public func path(_ relative: String) -> String { "\(root)/\(relative)" }

    public var settings: String { path("intake.toml") }
    public var keys: String { path("keys") }
    public var trust: String { path("trust") }
    public var packRecipients: String { path("pack-recipients") }
    public var ledger: String { path("ledger.sqlite") }
    /// Every new signed checkpoint, appended (`CheckpointPublisher`).
    public var checkpointsLog: String { path("checkpoints.log") }
    public var drop: String { path("drop") }
    public var dropTmp: String { path("drop/tmp") }
    public var dropNew: String { path("drop/new") }
    public var store: String { path("store") }
    public var quarantine: String { path("quarantine") }
    public var receipts: String { path("receipts") }
    public var packs: String { path("packs") }
    /// A gov.uk bank-holidays file imported with `intake calendar import`.
    public var bankHolidays: String { path("bank-holidays.json") }

    public var intakeKey: String { privateKey("intake.key") }
    public var intakeCertificate: String { path("keys/intake.crt") }
    public var receiptKey: String { privateKey("receipt.key") }
    public var receiptCertificate: String { path("keys/receipt.crt") }
    public var ledgerKey: String { privateKey("ledger.key") }

    /// `CREDENTIALS_DIRECTORY/NAME` when that file exists, else `keys/NAME`.
    func privateKey(_ name: String) -> String {
        if let credentials, access("\(credentials)/\(name)", F_OK) == 0 { return "\(credentials)/\(name)" }
        return path("keys/\(name)")
    }

    /// The same home without credentials: where `intake init` writes its keys.
    public var withoutCredentials: HomeLayout { HomeLayout(root: root) }
    public var ledgerVerifierKey: String { path("keys/ledger.vkey") }

    public var privateKeys: [String] { [intakeKey, receiptKey, ledgerKey] }

    /// Directories `intake init` makes, with their modes (docs/deploying.md, "Who can read
    /// what"). Writers (the intake group) may traverse the home to drop/ and the socket and
    /// create files in drop/tmp and drop/new, but not replace entries of drop/ itself; what
    /// the intake keeps (store, quarantine, receipts, packs) is the intake user's alone.
    public var directories: [(String, UInt32)] {
        [(root, 0o750), (keys, 0o700), (trust, 0o750), (packRecipients, 0o750), (drop, 0o750), (dropTmp, 0o770),
         (dropNew, 0o770), (store, 0o700), (quarantine, 0o700), (receipts, 0o700), (packs, 0o700)]
    }

    /// Files the intake writes and their modes: the ledger (SQLite gives -wal and -shm the
    /// database's mode) is the intake user's alone; the published checkpoints and the settings
    /// (no secrets) may be read by the group.
    public var fileModes: [(String, UInt32)] {
        [(ledger, 0o600), (ledger + "-wal", 0o600), (ledger + "-shm", 0o600), (checkpointsLog, 0o640), (settings, 0o640)]
    }

    /// The default home: `$INTAKE_HOME`, else `$STATE_DIRECTORY` (systemd's
    /// `StateDirectory=`), else `/var/lib/intake`; private keys from `$CREDENTIALS_DIRECTORY`
    /// when present there.
    public static func resolve(_ option: String?, environment: [String: String]) -> HomeLayout {
        let nonEmpty = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let state = nonEmpty("STATE_DIRECTORY").map { String($0.split(separator: ":").first ?? Substring($0)) }
        return HomeLayout(root: option ?? nonEmpty("INTAKE_HOME") ?? state ?? "/var/lib/intake",
                          credentials: nonEmpty("CREDENTIALS_DIRECTORY"))
    }
}
