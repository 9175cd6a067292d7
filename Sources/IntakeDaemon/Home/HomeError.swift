import IntakeCrypto
import IntakeLedger

/// Why a home could not be made or opened: a stable code and one clear line.
public struct HomeError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let message: String

    public init(_ code: String, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

/// The stable code of an error from our modules (home, storage, ledger, crypto) or of a SQLite
/// storage failure (`disk-full`, `read-only`, `io-error`), for logs, metrics and answers; "error"
/// for anything else. Never the message: codes carry no data.
func errorCode(_ error: any Error) -> String {
    (error as? HomeError)?.code ?? (error as? StorageError)?.code ?? (error as? LedgerError)?.code
        ?? LedgerError.storageCode(of: error) ?? (error as? CryptoError)?.code ?? "error"
}

/// Whether an error means the home's storage is failing (a full or read-only disk, an I/O
/// error, the ledger): the daemon then reports itself unhealthy until a write succeeds.
func isStorageFailure(_ error: any Error) -> Bool {
    ["disk-full", "read-only", "io-error"].contains(errorCode(error)) || error is LedgerError
}
