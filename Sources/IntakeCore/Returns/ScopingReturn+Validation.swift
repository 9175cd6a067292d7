extension ScopingReturn {
    /// Validates a parsed document as a `scoping-return/v1`.
    ///
    /// Returns `.invalid` with every problem found (in document order, at most
    /// `Limits.problems`), or `.valid` with the typed return and its completeness. When
    /// `schema` is absent, not a string, or not `"scoping-return/v1"`, that is the only
    /// problem reported: nothing else is read against rules the sender did not claim.
    ///
    /// docs/scoping-return.schema.json accepts exactly the documents this function finds valid.
    public static func validate(_ json: JSONValue) -> ReturnVerdict {
        var reader = ReturnReader()
        guard let root = reader.object(json, at: "", required: true, members: topLevelMembers) else {
            return .invalid(reader.problems)
        }
        guard let schema = root["schema"] else { return .invalid([ReturnProblem(.missingMember, at: "/schema")]) }
        guard case .string(let identifier) = schema else { return .invalid([ReturnProblem(.wrongType, at: "/schema")]) }
        guard identifier == schemaIdentifier else { return .invalid([ReturnProblem(.wrongSchema, at: "/schema")]) }

        let caseRef = reader.formatted(root["caseRef"], at: "/caseRef", required: true, code: .badCaseRef, isCaseRef)
        let agencyId = reader.formatted(root["agencyId"], at: "/agencyId", required: true, code: .badAgencyId, isAgencyId)
        let author = readAuthor(root["author"], &reader)
        let signOff = readSignOff(root["signOff"], &reader)
        let involvement = readInvolvement(root["involvement"], &reader)
        let chronology = readChronology(root["chronology"], &reader)
        let episodes = readEpisodes(root["keyPracticeEpisodes"], &reader)
        let actions = reader.string(root["immediateSafeguardingActions"], at: "/immediateSafeguardingActions", kind: .text)
        let learning = reader.string(root["learning"], at: "/learning", kind: .text)
        let recordsSecured = readRecordsSecured(root["recordsSecured"], &reader)
        let parallelProcesses = readParallelProcesses(root["parallelProcesses"], &reader)
        let attachments = readAttachments(root["attachments"], &reader)

        guard reader.problems.isEmpty, let caseRef, let agencyId else { return .invalid(reader.problems) }
        let value = ScopingReturn(
            caseRef: caseRef, agencyId: agencyId, author: author, signOff: signOff,
            involvement: involvement, chronology: chronology, keyPracticeEpisodes: episodes,
            immediateSafeguardingActions: actions, learning: learning,
            recordsSecured: recordsSecured, parallelProcesses: parallelProcesses,
            attachments: attachments)
        return .valid(value, value.completeness)
    }

    /// The members a `scoping-return/v1` document may have.
    public static let topLevelMembers: Set<String> = [
        "schema", "caseRef", "agencyId", "author", "signOff", "involvement", "chronology",
        "keyPracticeEpisodes", "immediateSafeguardingActions", "learning", "recordsSecured",
        "parallelProcesses", "attachments",
    ]

    private static func readAuthor(_ value: JSONValue?, _ reader: inout ReturnReader) -> Author? {
        let path = "/author"
        guard let object = reader.object(value, at: path, members: ["name", "role"]) else { return nil }
        return Author(
            name: reader.string(object["name"], at: path + "/name", kind: .line),
            role: reader.string(object["role"], at: path + "/role", kind: .line))
    }

    private static func readSignOff(_ value: JSONValue?, _ reader: inout ReturnReader) -> SignOff? {
        let path = "/signOff"
        guard let object = reader.object(value, at: path, members: ["name", "role", "date"]) else { return nil }
        return SignOff(
            name: reader.string(object["name"], at: path + "/name", kind: .line),
            role: reader.string(object["role"], at: path + "/role", kind: .line),
            date: reader.date(object["date"], at: path + "/date"))
    }

    private static func readInvolvement(_ value: JSONValue?, _ reader: inout ReturnReader) -> Involvement? {
        let path = "/involvement"
        guard let object = reader.object(value, at: path, members: ["status", "from", "to", "summary"]) else { return nil }
        return Involvement(
            status: reader.oneOf(object["status"], at: path + "/status", Involvement.Status.self),
            from: reader.date(object["from"], at: path + "/from"),
            to: reader.date(object["to"], at: path + "/to"),
            summary: reader.string(object["summary"], at: path + "/summary", kind: .text))
    }

    private static func readChronology(_ value: JSONValue?, _ reader: inout ReturnReader) -> [ChronologyEntry] {
        guard let items = reader.array(value, at: "/chronology", limit: Limits.chronologyEntries) else { return [] }
        var entries: [ChronologyEntry] = []
        for (index, item) in items.enumerated() {
            let path = ReturnReader.path("/chronology", index)
            guard let object = reader.object(item, at: path, required: true, members: ["date", "event", "practitionerRole", "action"]) else { continue }
            let date = reader.date(object["date"], at: path + "/date", required: true)
            let event = reader.string(object["event"], at: path + "/event", required: true, kind: .text, nonEmpty: true)
            let role = reader.string(object["practitionerRole"], at: path + "/practitionerRole", kind: .line)
            let action = reader.string(object["action"], at: path + "/action", kind: .text)
            if let date, let event {
                entries.append(ChronologyEntry(date: date, event: event, practitionerRole: role, action: action))
            }
        }
        return entries
    }

    private static func readEpisodes(_ value: JSONValue?, _ reader: inout ReturnReader) -> [KeyPracticeEpisode] {
        guard let items = reader.array(value, at: "/keyPracticeEpisodes", limit: Limits.keyPracticeEpisodes) else { return [] }
        var episodes: [KeyPracticeEpisode] = []
        for (index, item) in items.enumerated() {
            let path = ReturnReader.path("/keyPracticeEpisodes", index)
            guard let object = reader.object(item, at: path, required: true, members: ["date", "episode", "learning"]) else { continue }
            let date = reader.date(object["date"], at: path + "/date")
            let episode = reader.string(object["episode"], at: path + "/episode", required: true, kind: .text, nonEmpty: true)
            let learning = reader.string(object["learning"], at: path + "/learning", kind: .text)
            if let episode {
                episodes.append(KeyPracticeEpisode(date: date, episode: episode, learning: learning))
            }
        }
        return episodes
    }

    private static func readRecordsSecured(_ value: JSONValue?, _ reader: inout ReturnReader) -> RecordsSecured? {
        let path = "/recordsSecured"
        guard let object = reader.object(value, at: path, members: ["secured", "securedOn", "securedBy", "reference"]) else { return nil }
        return RecordsSecured(
            secured: reader.bool(object["secured"], at: path + "/secured"),
            securedOn: reader.date(object["securedOn"], at: path + "/securedOn"),
            securedBy: reader.string(object["securedBy"], at: path + "/securedBy", kind: .line),
            reference: reader.string(object["reference"], at: path + "/reference", kind: .line))
    }

    private static func readParallelProcesses(_ value: JSONValue?, _ reader: inout ReturnReader) -> ParallelProcesses? {
        let path = "/parallelProcesses"
        let members: Set<String> = ["policeInvestigation", "coroner", "disciplinary", "notes"]
        guard let object = reader.object(value, at: path, members: members) else { return nil }
        typealias Answer = ParallelProcesses.Answer
        return ParallelProcesses(
            policeInvestigation: reader.oneOf(object["policeInvestigation"], at: path + "/policeInvestigation", Answer.self),
            coroner: reader.oneOf(object["coroner"], at: path + "/coroner", Answer.self),
            disciplinary: reader.oneOf(object["disciplinary"], at: path + "/disciplinary", Answer.self),
            notes: reader.string(object["notes"], at: path + "/notes", kind: .text))
    }

    private static func readAttachments(_ value: JSONValue?, _ reader: inout ReturnReader) -> [Attachment] {
        guard let items = reader.array(value, at: "/attachments", limit: Limits.attachments) else { return [] }
        var attachments: [Attachment] = []
        for (index, item) in items.enumerated() {
            let path = ReturnReader.path("/attachments", index)
            guard let object = reader.object(item, at: path, required: true, members: ["name", "mediaType", "sha256", "dataBase64"]) else { continue }
            var name = reader.string(object["name"], at: path + "/name", required: true, kind: .line, nonEmpty: true)
            if let checked = name, !Attachment.isSafeName(checked) {
                reader.report(.unsafeName, path + "/name")
                name = nil
            }
            let mediaType = reader.formatted(object["mediaType"], at: path + "/mediaType", required: true, code: .badMediaType, Attachment.isMediaType)
            let sha256 = reader.formatted(object["sha256"], at: path + "/sha256", required: true, code: .badSHA256, Hex.isSHA256)
            let text = reader.formatted(object["dataBase64"], at: path + "/dataBase64", required: true, code: .badBase64, { _ in true })
            // Decoded in pieces and hashed: the decoded bytes are never held whole.
            let attachment = text.flatMap { text in
                Attachment(name: name ?? "", mediaType: mediaType ?? "", sha256: sha256 ?? "", dataBase64: text)
            }
            if text != nil, attachment == nil { reader.report(.badBase64, path + "/dataBase64") }
            if name != nil, mediaType != nil, sha256 != nil, let attachment {
                attachments.append(attachment)
            }
        }
        return attachments
    }
}
