/// The meeting pack's contents (docs/meeting-pack.md), built in memory from what the ledger
/// and the stored envelopes hold; the shell encrypts the archive to the meeting's recipients.
///
///     manifest.json                       intake-pack/v1: every return, its hashes and ledger index
///     pack.html                           the readable pack (MeetingPackHTML)
///     checkpoint.txt                      the signed checkpoint every proof is against
///     returns/AGENCY-vN.json              each return exactly as the agency signed it
///     returns/AGENCY-vN.tlog-proof        its C2SP tlog-proof (inclusion in the ledger)
///     returns/AGENCY-vN/NN-NAME           its attachments, decoded
public enum MeetingPack {
    public static let schema = "intake-pack/v1"

    /// One return in the pack: each agency's latest accepted version.
    public struct Return: Sendable {
        public var agencyId: String
        public var record: ReturnRecord
        /// The scoping-return JSON exactly as signed (plaintext: memory only).
        public var content: [UInt8]
        public var document: ScopingReturn
        /// The C2SP tlog-proof of its ledger entry against `Input.checkpoint`.
        public var tlogProof: String

        public init(agencyId: String, record: ReturnRecord, content: [UInt8], document: ScopingReturn, tlogProof: String) {
            self.agencyId = agencyId
            self.record = record
            self.content = content
            self.document = document
            self.tlogProof = tlogProof
        }

        var stem: String { "returns/\(agencyId)-v\(record.version)" }
    }

    public struct Input: Sendable {
        public var partnership: String
        public var status: CaseStatus
        public var number: Int
        public var releasedAt: UTCInstant
        /// Set when released before every return was complete.
        public var overrideReason: String?
        /// Agencies whose latest return is missing or incomplete.
        public var missing: [String]
        public var returns: [Return]
        public var checkpoint: String
        public var calendar: WorkingCalendar

        public init(partnership: String, status: CaseStatus, number: Int, releasedAt: UTCInstant, overrideReason: String?,
                    missing: [String], returns: [Return], checkpoint: String, calendar: WorkingCalendar) {
            self.partnership = partnership
            self.status = status
            self.number = number
            self.releasedAt = releasedAt
            self.overrideReason = overrideReason
            self.missing = missing
            self.returns = returns
            self.checkpoint = checkpoint
            self.calendar = calendar
        }
    }

    /// Extensions a reader's computer would run or render as active content (a web page, an
    /// SVG with script, a program, a shortcut) rather than show: such an attachment gets
    /// `.txt` added, so that it opens as text.
    public static let activeExtensions: Set<String> = [
        "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "xsl", "xslt", "js", "mjs", "hta", "htc",
        "url", "lnk", "website", "exe", "com", "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "wsf", "wsh", "jse", "scr", "msi",
        "jar", "reg", "pif", "cpl", "chm", "app", "sh", "desktop", "library-ms", "scf", "iso", "img",
    ]
    /// Media types that are active whatever the name says.
    public static let activeMediaTypes: Set<String> = [
        "text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml", "text/javascript",
        "application/javascript", "application/x-msdownload", "application/hta", "application/x-sh",
    ]

    /// Whether opening the attachment could run or render active content.
    public static func isActive(_ attachment: ScopingReturn.Attachment) -> Bool {
        let parts = attachment.name.lowercased().split(separator: ".")
        let ext = parts.count > 1 ? String(parts[parts.count - 1]) : ""
        let media = String(attachment.mediaType.lowercased().prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" })
        return activeExtensions.contains(ext) || activeMediaTypes.contains(media)
    }

    /// An attachment's file name inside the archive: its position and a safe form of its name
    /// (letters, digits, `.`, `-`, `_`; no leading dot; at most 80 characters), so that no
    /// agency-supplied name can point outside its folder, or hide its extension behind a
    /// right-to-left override (which becomes `_`); an active one (`isActive`) ends `.txt`.
    public static func attachmentFile(_ attachment: ScopingReturn.Attachment, position: Int) -> String {
        var safe = String(attachment.name.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
                ? Character(scalar) : "_"
        })
        while safe.hasPrefix(".") { safe.removeFirst() }
        if safe.isEmpty { safe = "attachment" }
        let number = position < 9 ? "0\(position + 1)" : "\(position + 1)"
        return "\(number)-\(safe.prefix(80))" + (isActive(attachment) ? ".txt" : "")
    }

    public static func manifest(_ input: Input) -> JSONValue {
        var members: [String: JSONValue] = [
            "schema": .string(schema), "partnership": .string(input.partnership), "caseRef": .string(input.status.caseRef),
            "pack": .int(input.number), "releasedAt": .string(input.releasedAt.rfc3339(milliseconds: true)),
            "referred": .string(input.status.referred.description),
            "deadlines": .object(Dictionary(uniqueKeysWithValues: Milestone.allCases.map {
                ($0.rawValue, JSONValue.string(input.status.deadlines[$0].description))
            })),
            "missing": .array(input.missing.map(JSONValue.string)), "override": .bool(input.overrideReason != nil),
            "checkpoint": .string("checkpoint.txt"),
            "returns": .array(input.returns.map { item in
                .object([
                    "agencyId": .string(item.agencyId), "version": .int(item.record.version),
                    "envelopeSha256": .string(item.record.envelopeSha256), "contentSha256": .string(item.record.contentSha256),
                    "ledgerIndex": .int(item.record.ledgerIndex), "receivedAt": .string(item.record.receivedAt.rfc3339(milliseconds: true)),
                    "complete": .bool(item.record.completeness.isComplete),
                    "missing": .array(item.record.completeness.codes.map(JSONValue.string)),
                    "file": .string("\(item.stem).json"), "proof": .string("\(item.stem).tlog-proof"),
                    "attachments": .array(item.document.attachments.enumerated().map { position, attachment in
                        .object(["name": .string(attachment.name), "mediaType": .string(attachment.mediaType),
                                 "sha256": .string(attachment.sha256), "size": .int(attachment.byteCount),
                                 "file": .string("\(item.stem)/\(attachmentFile(attachment, position: position))")])
                    }),
                ])
            }),
        ]
        if let reason = input.overrideReason { members["overrideReason"] = .string(reason) }
        return .object(members)
    }

    /// The archive (stored ZIP), in memory.
    public static func archive(_ input: Input) throws(ZipArchive.Failure) -> [UInt8] {
        var zip = ZipArchive(modified: input.releasedAt)
        try zip.add("manifest.json", Array((PrettyJSON.encode(manifest(input)) + "\n").utf8))
        try zip.add("pack.html", Array(MeetingPackHTML.render(input).utf8))
        try zip.add("checkpoint.txt", Array(input.checkpoint.utf8))
        for item in input.returns {
            try zip.add("\(item.stem).json", item.content)
            try zip.add("\(item.stem).tlog-proof", Array(item.tlogProof.utf8))
            for (position, attachment) in item.document.attachments.enumerated() {
                try zip.add("\(item.stem)/\(attachmentFile(attachment, position: position))", attachment.data)
            }
        }
        return zip.finish()
    }
}
