import Foundation
import Testing
@testable import IntakeCore

/// One case of Vectors/returns/cases.json: a document and the verdict it must get. The same
/// file is run through docs/scoping-return.schema.json with Python `jsonschema`, which must
/// agree on valid versus invalid.
struct ReturnVector: Sendable, CustomTestStringConvertible {
    var name: String
    /// `complete`, `incomplete` or `invalid`.
    var expect: String
    /// Missing-item codes (incomplete) or `code@path` problems (invalid), in order.
    var codes: [String]
    var document: JSONValue

    var testDescription: String { name }

    static func resource(_ name: String) throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Vectors/returns"))
        return Array(try Data(contentsOf: url))
    }

    static func load() throws -> [ReturnVector] {
        let cases = try #require(try JSONParser.parse(resource("cases")).arrayValue)
        return try cases.map { item in
            ReturnVector(
                name: try #require(item["name"]?.stringValue),
                expect: try #require(item["expect"]?.stringValue),
                codes: try #require(item["codes"]?.arrayValue).map { try #require($0.stringValue) },
                document: try #require(item["document"]))
        }
    }
}

@Suite struct ScopingReturnTests {
    // MARK: Vectors shared with the JSON Schema check

    @Test(arguments: try ReturnVector.load())
    func vector(_ vector: ReturnVector) {
        let verdict = ScopingReturn.validate(vector.document)
        switch vector.expect {
        case "invalid":
            #expect(verdict.problems.map { "\($0.code.rawValue)@\($0.path)" } == vector.codes)
            #expect(verdict.reasonCode == .invalidReturn)
        case "complete":
            #expect(verdict.problems == [])
            #expect(verdict.completeness == .complete)
        default:
            #expect(verdict.problems == [])
            #expect(verdict.completeness?.codes == vector.codes)
            #expect(verdict.completeness?.isComplete == false)
        }
        // Every valid return survives the trip to JSON and back unchanged.
        if let value = verdict.scopingReturn {
            #expect(ScopingReturn.validate(value.jsonValue) == verdict)
        }
    }

    @Test func vectorFileCoversEveryProblemCodeAndMissingItem() throws {
        let vectors = try ReturnVector.load()
        let problemCodes = Set(vectors.filter { $0.expect == "invalid" }.flatMap(\.codes).map { String($0.prefix { $0 != "@" }) })
        let expected = Set(ReturnProblem.Code.allCases.map(\.rawValue)).subtracting(["not-json", "too-many"])
        #expect(problemCodes == expected)
        let missing = Set(vectors.filter { $0.expect == "incomplete" }.flatMap(\.codes).map { String($0.prefix { $0 != ":" }) })
        #expect(missing == ["sign-off", "involvement-status", "involvement-summary", "chronology", "records-secured", "attachment-hash-mismatch"])
    }

    // MARK: The published example (a byte copy of docs/examples/return-police.json)

    @Test func policeExampleIsComplete() throws {
        let verdict = ScopingReturn.validate(bytes: try ReturnVector.resource("return-police"))
        let value = try #require(verdict.scopingReturn)
        #expect(verdict.completeness == .complete)
        #expect(value.caseRef == "RR-2026-014")
        #expect(value.agencyId == "police")
        #expect(value.signOff?.date == LocalDate(year: 2026, month: 3, day: 10))
        #expect(value.involvement?.status == .involved)
        #expect(value.chronology.map(\.date.description) == ["2025-09-14", "2025-12-01", "2026-02-27", "2026-03-02"])
        #expect(value.keyPracticeEpisodes.count == 2)
        #expect(value.keyPracticeEpisodes[1].date == nil)
        #expect(value.recordsSecured == .init(secured: true, securedOn: LocalDate("2026-03-04"), securedBy: "Public Protection Unit records team", reference: "PPU-SEC-0042"))
        #expect(value.parallelProcesses?.policeInvestigation == .yes)
        #expect(value.parallelProcesses?.disciplinary == .notKnown)
        let attachment = try #require(value.attachments.first)
        #expect(attachment.name == "incident-log-extract.txt")
        #expect(attachment.matchesHash)
        #expect(String(decoding: attachment.data, as: UTF8.self).hasPrefix("FICTIONAL EXAMPLE"))
    }

    // MARK: Hand-made documents

    static let minimal: [String: JSONValue] = [
        "schema": .string("scoping-return/v1"), "caseRef": .string("RR-2026-014"), "agencyId": .string("police"),
    ]

    static func document(_ extra: [String: JSONValue]) -> JSONValue {
        .object(minimal.merging(extra) { $1 })
    }

    static let signedOff: [String: JSONValue] = [
        "signOff": .object(["name": .string("Sam Specimen"), "role": .string("DCI"), "date": .string("2026-03-10")]),
        "recordsSecured": .object(["secured": .bool(true), "securedOn": .string("2026-03-04")]),
    ]

    static let abc = Array("abc".utf8)

    static func attachment(sha256: String = SHA256.hex(abc), data: String = "YWJj") -> JSONValue {
        .object(["name": .string("a.txt"), "mediaType": .string("text/plain"), "sha256": .string(sha256), "dataBase64": .string(data)])
    }

    @Test(arguments: [
        ("minimal", [:], ["sign-off", "involvement-status", "records-secured"]),
        ("not involved, signed, secured", signedOff.merging(["involvement": .object(["status": .string("not-involved")])]) { $1 }, []),
        ("involved, nothing else", signedOff.merging(["involvement": .object(["status": .string("involved")])]) { $1 },
         ["involvement-summary", "chronology"]),
        ("involved with summary and one entry", signedOff.merging([
            "involvement": .object(["status": .string("involved"), "summary": .string("Known.")]),
            "chronology": .array([.object(["date": .string("2026-01-05"), "event": .string("Seen.")])]),
        ]) { $1 }, []),
        ("hash mismatch at 0 and 2", signedOff.merging([
            "involvement": .object(["status": .string("not-known")]),
            "attachments": .array([attachment(sha256: String(repeating: "0", count: 64)), attachment(),
                                   attachment(sha256: SHA256.hex([]))]),
        ]) { $1 }, ["attachment-hash-mismatch:0", "attachment-hash-mismatch:2"]),
    ] as [(String, [String: JSONValue], [String])])
    func completeness(name: String, members: [String: JSONValue], missing: [String]) throws {
        let verdict = ScopingReturn.validate(Self.document(members))
        let completeness = try #require(verdict.completeness, "\(name): \(verdict.problems)")
        #expect(completeness.codes == missing, "\(name)")
        #expect(completeness.isComplete == missing.isEmpty)
        #expect(completeness.missing.map(\.code) == missing)
    }

    @Test(arguments: [
        ("chronology", 2_000, "/chronology"),
        ("keyPracticeEpisodes", 200, "/keyPracticeEpisodes"),
        ("attachments", 50, "/attachments"),
    ])
    func arrayLimits(member: String, limit: Int, path: String) {
        let item: JSONValue = switch member {
        case "chronology": .object(["date": .string("2026-01-05"), "event": .string("e")])
        case "keyPracticeEpisodes": .object(["episode": .string("e")])
        default: Self.attachment()
        }
        let atLimit = ScopingReturn.validate(Self.document([member: .array(Array(repeating: item, count: limit))]))
        #expect(atLimit.isValid)
        let over = ScopingReturn.validate(Self.document([member: .array(Array(repeating: item, count: limit + 1))]))
        #expect(over.problems == [ReturnProblem(.tooMany, at: path)])
    }

    @Test func textLimitsCountUnicodeScalars() {
        let line = String(repeating: "👩‍⚕️", count: 40)  // 4 scalars each (woman, ZWJ, staff, VS16): 160 scalars
        #expect(ScopingReturn.validate(Self.document(["author": .object(["name": .string(line)])])).isValid)
        let long = String(repeating: "👩‍⚕️", count: 51)  // 204 scalars, 51 characters
        #expect(ScopingReturn.validate(Self.document(["author": .object(["name": .string(long)])])).problems
            == [ReturnProblem(.tooLong, at: "/author/name")])
    }

    @Test func problemsAreCapped() {
        let bad: JSONValue = .object(["date": .string("nope"), "event": .string("")])
        let verdict = ScopingReturn.validate(Self.document(["chronology": .array(Array(repeating: bad, count: 80))]))
        #expect(verdict.problems.count == ScopingReturn.Limits.problems)
        #expect(verdict.problems.first == ReturnProblem(.badDate, at: "/chronology/0/date"))
        #expect(verdict.problems.last == ReturnProblem(.empty, at: "/chronology/49/event"))
    }

    @Test func problemsNeverEchoContent() {
        let secret = "Jane-Doe-Secret"
        let verdict = ScopingReturn.validate(.object([
            "schema": .string("scoping-return/v1"), "caseRef": .string(secret), "agencyId": .string(secret),
            secret: .string(secret),
            "signOff": .object([secret: .bool(true), "name": .string(secret + "\u{7}"), "date": .string(secret)]),
            "attachments": .array([.object(["name": .string("../" + secret), "mediaType": .string(secret),
                                            "sha256": .string(secret), "dataBase64": .string(secret)])]),
        ]))
        #expect(verdict.problems.count == 10)
        for problem in verdict.problems {
            #expect(!problem.description.contains("Jane"))
            #expect(!problem.path.contains("Jane"))
        }
        #expect(verdict.problems.map(\.description) == [
            "unknown-member at (root)", "bad-case-ref at /caseRef", "bad-agency-id at /agencyId",
            "unknown-member at /signOff", "control-character at /signOff/name", "bad-date at /signOff/date",
            "unsafe-name at /attachments/0/name", "bad-media-type at /attachments/0/mediaType",
            "bad-sha256 at /attachments/0/sha256", "bad-base64 at /attachments/0/dataBase64",
        ])
    }

    @Test func invalidJSONText() {
        #expect(ScopingReturn.validate(bytes: Array("{\"schema\": ".utf8)) == .invalid([ReturnProblem(.notJSON, at: "")]))
        #expect(ScopingReturn.validate(bytes: Array("{\"a\":1,\"a\":2}".utf8)).problems.map(\.code) == [.notJSON])
        #expect(ReturnProblem(.notJSON, at: "").description == "not-json at (root)")
    }

    // MARK: The template

    @Test func templateIsAValidIncompleteReturn() throws {
        let template = ScopingReturn.template(caseRef: "RR-2026-014", agencyId: "nhs-trust")
        let verdict = ScopingReturn.validate(template)
        #expect(verdict.completeness?.codes == ["sign-off", "involvement-status", "records-secured"])
        #expect(verdict.scopingReturn?.agencyId == "nhs-trust")
        // It names every member of the format, so agencies see the whole shape.
        #expect(Set(try #require(template.objectValue).keys) == ScopingReturn.topLevelMembers)
        // And survives being written out and read back.
        let text = CanonicalJSON.encode(template)
        #expect(ScopingReturn.validate(bytes: text) == verdict)
    }

    @Test func templateIsTheVectorTheSchemaWasCheckedWith() throws {
        let vector = try #require(try ReturnVector.load().first { $0.name == "template" })
        #expect(ScopingReturn.template(caseRef: "RR-2026-014", agencyId: "police") == vector.document)
    }

    @Test func templateWithABadReferenceIsInvalid() {
        #expect(ScopingReturn.validate(ScopingReturn.template(caseRef: "Jane Doe", agencyId: "police")).problems
            == [ReturnProblem(.badCaseRef, at: "/caseRef")])
    }

    // MARK: Pieces

    @Test(arguments: [
        ("RR-2026-014", true), ("AB-2026-1", true), ("ABCDE-2026-123456", true), ("CSPR-1999-0", true),
        ("A-2026-1", false), ("ABCDEF-2026-1", false), ("RR-202-1", false), ("RR-2026-1234567", false),
        ("rr-2026-014", false), ("RR-2026-", false), ("RR--2026-1", false), ("RR-2026-1-", false), ("", false),
        ("RR-２０２６-014", false),
    ])
    func caseRefs(text: String, valid: Bool) {
        #expect(ScopingReturn.isCaseRef(text) == valid)
    }

    @Test(arguments: [
        ("police", true), ("a", true), ("0", true), ("nhs-trust-2", true), ("a-", true), (String(repeating: "z", count: 63), true),
        ("", false), ("-a", false), ("Police", false), ("a_b", false), ("a.b", false), (String(repeating: "z", count: 64), false),
    ])
    func agencyIds(text: String, valid: Bool) {
        #expect(ScopingReturn.isAgencyId(text) == valid)
    }

    @Test(arguments: [
        ("report.pdf", true), ("Protokoll März.txt", true), ("a", true), ("a.b.c", true), ("-x", true),
        ("", false), (".x", false), ("..", false), ("a..b", false), ("a/b", false), ("a\\b", false), ("c:x", false),
        ("a\u{0}b", false), ("a\u{9f}b", false), ("a\u{7f}", false), (String(repeating: "a", count: 201), false),
    ])
    func attachmentNames(name: String, safe: Bool) {
        #expect(ScopingReturn.Attachment.isSafeName(name) == safe)
    }

    @Test(arguments: [
        MissingItem.signOff, .involvementStatus, .involvementSummary, .chronology, .recordsSecured,
        .attachmentHashMismatch(index: 0), .attachmentHashMismatch(index: 12),
    ])
    func missingItemCodesRoundTrip(item: MissingItem) {
        #expect(MissingItem(code: item.code) == item)
    }

    @Test(arguments: ["", "signoff", "attachment-hash-mismatch:", "attachment-hash-mismatch:-1",
                      "attachment-hash-mismatch:01", "attachment-hash-mismatch:+1", "attachment-hash-mismatch:x"])
    func unknownMissingItemCodes(code: String) {
        #expect(MissingItem(code: code) == nil)
    }

    @Test func attachmentHashing() {
        let attachment = ScopingReturn.Attachment(name: "a.txt", mediaType: "text/plain", data: Self.abc)
        #expect(attachment.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(attachment.matchesHash)
        var altered = attachment
        altered.data = Array("abd".utf8)
        #expect(!altered.matchesHash)
    }
}
