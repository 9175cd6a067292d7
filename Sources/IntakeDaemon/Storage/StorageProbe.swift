import Glibc

/// Whether the home can take a durable write again: a small file written, fsynced and removed
/// in store/ (the same file system as the ledger). While the daemon is unhealthy (a full or
/// read-only disk) it probes every 2 s, so that `/healthz` recovers when the disk does, not
/// only when the next input happens to succeed.
public enum StorageProbe {
    public static func writable(_ layout: HomeLayout) -> Bool {
        let bytes = [UInt8](repeating: 0x2E, count: 4096)
        do {
            let name = DurableFile.temporaryName("probe")
            try DurableFile.write(bytes, to: layout.store, name: name, mode: 0o600)
            guard unlink("\(layout.store)/\(name)") == 0 else { return false }
            return true
        } catch {
            return false
        }
    }
}
