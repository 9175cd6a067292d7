public import IntakeCore
import Foundation
import GRDB

/// Agencies and their pinned signing certificates.
extension Ledger {
    public struct AgencyInfo: Sendable, Equatable {
        public var id: String
        public var name: String
        public var certificateFingerprints: [String]
    }

    /// Registers agency `id`, or adds a certificate to an existing one. A certificate is
    /// pinned to exactly one agency: pinning it to a second is refused.
    @discardableResult
    public func registerAgency(id: String, name: String, certificatePEM: String, fingerprint: String,
                               at now: UTCInstant) throws -> Int {
        guard ScopingReturn.isAgencyId(id) else {
            throw LedgerError("bad-agency-id", "an agency id is lowercase letters, digits and hyphens (e.g. police, health-trust)")
        }
        return try pool.write { db in
            if let owner = try String.fetchOne(db.cachedStatement(sql: "SELECT agency_id FROM agency_certificate WHERE fingerprint = ?"),
                                               arguments: [fingerprint]) {
                throw LedgerError(owner == id ? "already-registered" : "certificate-pinned",
                                  "certificate \(fingerprint.prefix(16))… is already pinned to agency \(owner)")
            }
            let exists = try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM agency WHERE id = ?)"), arguments: [id]) ?? false
            let event: LedgerEvent = exists
                ? .agencyCertificateAdded(id: id, certificateSha256: fingerprint, at: now)
                : .agencyRegistered(id: id, name: name, certificateSha256: fingerprint, at: now)
            let index = try append([event], db, at: now)[0]
            if !exists {
                try db.cachedStatement(sql: "INSERT INTO agency (id, name, ledger_index) VALUES (?, ?, ?)").execute(arguments: [id, name, index])
            }
            try db.cachedStatement(sql: "INSERT INTO agency_certificate (fingerprint, agency_id, pem, ledger_index) VALUES (?, ?, ?, ?)").execute(arguments: [fingerprint, id, certificatePEM, index])
            return index
        }
    }

    public func agencies() throws -> [AgencyInfo] {
        try pool.read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT a.id, a.name, c.fingerprint FROM agency a JOIN agency_certificate c ON c.agency_id = a.id
                ORDER BY a.id, c.ledger_index
                """))
            var result: [AgencyInfo] = []
            for row in rows {
                let id: String = row["id"]
                if result.last?.id == id {
                    result[result.count - 1].certificateFingerprints.append(row["fingerprint"])
                } else {
                    result.append(AgencyInfo(id: id, name: row["name"], certificateFingerprints: [row["fingerprint"]]))
                }
            }
            return result
        }
    }

    /// The agency a certificate is pinned to, as the log says: the pin's row is checked
    /// against the event at its ledger index, so a row written around the ledger (triggers
    /// dropped) re-pins nothing. Throws `tables-disagree` when they differ.
    public func agencyId(forCertificate fingerprint: String) throws -> String? {
        try pool.read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT c.agency_id, e.entry FROM agency_certificate c LEFT JOIN log_entry e ON e.idx = c.ledger_index
                WHERE c.fingerprint = ?
                """), arguments: [fingerprint]) else { return nil }
            let agency: String = row["agency_id"]
            let entry: [UInt8]? = (row["entry"] as Data?).map { [UInt8]($0) }
            guard let event = entry.flatMap(LedgerEvent.parse(entry:)),
                  event.kind == .agencyRegistered || event.kind == .agencyCertificateAdded,
                  event["agencyId"]?.stringValue == agency, event["certificateSha256"]?.stringValue == fingerprint
            else {
                throw LedgerError("tables-disagree", "the certificate pin for \(fingerprint.prefix(16))… is not the log's event: the ledger's tables were written around it; run `intake verify`")
            }
            return agency
        }
    }

    /// How many certificates are pinned: a cheap way to tell when `pinnedCertificatePEMs` changed
    /// (pins are only ever added).
    public func pinnedCertificateCount() throws -> Int {
        try pool.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT COUNT(*) FROM agency_certificate")) ?? 0 }
    }

    /// Every pinned certificate's PEM, to find signers that did not include their certificate.
    public func pinnedCertificatePEMs() throws -> [String] {
        try pool.read { db in try String.fetchAll(db.cachedStatement(sql: "SELECT pem FROM agency_certificate ORDER BY ledger_index")) }
    }
}
