extension ScopingReturn {
    /// Parses `bytes` as JSON (RFC 8259, `JSONParser`'s strict rules) and validates the result.
    /// Text that does not parse is `.invalid` with the one problem `not-json` at `""`.
    public static func validate(bytes: [UInt8]) -> ReturnVerdict {
        bytes.withUnsafeBytes { validate(buffer: $0) }
    }

    /// Validates the JSON text in `buffer` (read in place, not copied).
    public static func validate(buffer: UnsafeRawBufferPointer) -> ReturnVerdict {
        guard let json = try? JSONParser.parse(buffer) else {
            return .invalid([ReturnProblem(.notJSON, at: "")])
        }
        return validate(json)
    }

    /// A blank return for an agency to fill in: every member present, `null` where nothing is
    /// given yet and `[]` for the lists. It is valid, and incomplete with `sign-off`,
    /// `involvement-status` and `records-secured` missing.
    public static func template(caseRef: String, agencyId: String) -> JSONValue {
        .object([
            "schema": .string(schemaIdentifier),
            "caseRef": .string(caseRef),
            "agencyId": .string(agencyId),
            "author": .object(["name": .null, "role": .null]),
            "signOff": .object(["name": .null, "role": .null, "date": .null]),
            "involvement": .object(["status": .null, "from": .null, "to": .null, "summary": .null]),
            "chronology": .array([]),
            "keyPracticeEpisodes": .array([]),
            "immediateSafeguardingActions": .null,
            "learning": .null,
            "recordsSecured": .object(["secured": .null, "securedOn": .null, "securedBy": .null, "reference": .null]),
            "parallelProcesses": .object(["policeInvestigation": .null, "coroner": .null, "disciplinary": .null, "notes": .null]),
            "attachments": .array([]),
        ])
    }

    /// The return as a `scoping-return/v1` document; absent members are left out. Validating
    /// it gives back an equal return.
    public var jsonValue: JSONValue {
        var root: [String: JSONValue] = [
            "schema": .string(ScopingReturn.schemaIdentifier),
            "caseRef": .string(caseRef),
            "agencyId": .string(agencyId),
        ]
        root["author"] = author.map { ScopingReturn.object(["name": $0.name.map(JSONValue.string), "role": $0.role.map(JSONValue.string)]) }
        root["signOff"] = signOff.map {
            ScopingReturn.object(["name": $0.name.map(JSONValue.string), "role": $0.role.map(JSONValue.string), "date": ScopingReturn.date($0.date)])
        }
        root["involvement"] = involvement.map {
            ScopingReturn.object([
                "status": $0.status.map { .string($0.rawValue) }, "from": ScopingReturn.date($0.from),
                "to": ScopingReturn.date($0.to), "summary": $0.summary.map(JSONValue.string),
            ])
        }
        if !chronology.isEmpty {
            root["chronology"] = .array(chronology.map {
                ScopingReturn.object([
                    "date": ScopingReturn.date($0.date), "event": .string($0.event),
                    "practitionerRole": $0.practitionerRole.map(JSONValue.string), "action": $0.action.map(JSONValue.string),
                ])
            })
        }
        if !keyPracticeEpisodes.isEmpty {
            root["keyPracticeEpisodes"] = .array(keyPracticeEpisodes.map {
                ScopingReturn.object(["date": ScopingReturn.date($0.date), "episode": .string($0.episode), "learning": $0.learning.map(JSONValue.string)])
            })
        }
        root["immediateSafeguardingActions"] = immediateSafeguardingActions.map(JSONValue.string)
        root["learning"] = learning.map(JSONValue.string)
        root["recordsSecured"] = recordsSecured.map {
            ScopingReturn.object([
                "secured": $0.secured.map(JSONValue.bool), "securedOn": ScopingReturn.date($0.securedOn),
                "securedBy": $0.securedBy.map(JSONValue.string), "reference": $0.reference.map(JSONValue.string),
            ])
        }
        root["parallelProcesses"] = parallelProcesses.map {
            ScopingReturn.object([
                "policeInvestigation": $0.policeInvestigation.map { .string($0.rawValue) },
                "coroner": $0.coroner.map { .string($0.rawValue) },
                "disciplinary": $0.disciplinary.map { .string($0.rawValue) },
                "notes": $0.notes.map(JSONValue.string),
            ])
        }
        if !attachments.isEmpty {
            root["attachments"] = .array(attachments.map {
                .object([
                    "name": .string($0.name), "mediaType": .string($0.mediaType),
                    "sha256": .string($0.sha256), "dataBase64": .string($0.dataBase64),
                ])
            })
        }
        return .object(root)
    }

    private static func object(_ members: [String: JSONValue?]) -> JSONValue {
        .object(members.compactMapValues { $0 })
    }

    private static func date(_ date: LocalDate?) -> JSONValue? {
        date.map { .string($0.description) }
    }
}
