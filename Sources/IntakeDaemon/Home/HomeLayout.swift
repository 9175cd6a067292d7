/// The paths of an intake home directory (DESIGN §5).
public struct HomeLayout: Sendable, Equatable {
    public let root: String

    public init(root: String) {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
    }

    public func path(_ relative: String) -> String { "\(root)/\(relative)" }

    public var settings: String { path("intake.toml") }
    public var keys: String { path("keys") }
    public var trust: String { path("trust") }
    public var packRecipients: String { path("pack-recipients") }
    public var ledger: String { path("ledger.sqlite") }
    public var drop: String { path("drop") }
    public var dropTmp: String { path("drop/tmp") }
    public var dropNew: String { path("drop/new") }
    public var store: String { path("store") }
    public var quarantine: String { path("quarantine") }
    public var receipts: String { path("receipts") }
    public var packs: String { path("packs") }

    public var intakeKey: String { path("keys/intake.key") }
    public var intakeCertificate: String { path("keys/intake.crt") }
    public var receiptKey: String { path("keys/receipt.key") }
    public var receiptCertificate: String { path("keys/receipt.crt") }
    public var ledgerKey: String { path("keys/ledger.key") }
    public var ledgerVerifierKey: String { path("keys/ledger.vkey") }

    public var privateKeys: [String] { [intakeKey, receiptKey, ledgerKey] }

    /// Directories `intake init` makes, with their modes. Writers (the intake group) may
    /// create files in drop/tmp and drop/new, but not replace entries of drop/ itself.
    public var directories: [(String, UInt32)] {
        [(root, 0o750), (keys, 0o700), (trust, 0o750), (packRecipients, 0o750), (drop, 0o750), (dropTmp, 0o770),
         (dropNew, 0o770), (store, 0o750), (quarantine, 0o750), (receipts, 0o750), (packs, 0o750)]
    }

    /// The default home: `$INTAKE_HOME`, else `/var/lib/intake`.
    public static func resolve(_ option: String?, environment: [String: String]) -> HomeLayout {
        HomeLayout(root: option ?? environment["INTAKE_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/var/lib/intake")
    }
}
