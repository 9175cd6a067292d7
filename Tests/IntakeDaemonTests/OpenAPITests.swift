import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger
import IntakeTestSupport
import Testing

/// The server matches docs/openapi.json: every exchange below is checked against the
/// document (the operation exists, the status is documented for it, the media type and the
/// JSON body match the schema), and every documented operation and status is exercised
/// but for those listed as not reproducible here.
@Suite struct OpenAPITests {
    let pki = sharedPKI
    static let document: JSONValue = {
        let url = SystemdUnitTests.repository.appendingPathComponent("docs/openapi.json")
        return try! JSONParser.parse([UInt8](Data(contentsOf: url)))
    }()

    /// Documented but not produced by this test: an unreadable ledger, a storage failure.
    static let notExercised: Set<String> = ["GET /healthz 503", "GET /v1/cases/{ref} 503", "GET /v1/cases/{ref} 429",
                                            "GET /metrics 429", "GET /healthz 429"]

    @Test func serverMatchesTheDocument() async throws {
        let test = try TestHome(pki: pki, agencies: TestHome.agencies + ["probation"], openCase: false) {
            $0.replacingOccurrences(of: "request_timeout = 30", with: "request_timeout = 1")
                .replacingOccurrences(of: "max_body_memory = 268435456", with: "max_body_memory = 1048576")
                .replacingOccurrences(of: "rejections_per_hour = 120", with: "rejections_per_hour = 5")
        }
        try test.home.ledger.openCase(ref: TestHome.caseRef, referred: LocalDate("2026-11-23")!, agencies: TestHome.agencies,
                                      at: SystemClock.now())
        let socket = try await RunningSocket(test)
        var exercised = Set<String>()
        func check(_ method: String, _ template: String, _ response: HTTPTestResponse, sourceLocation: SourceLocation = #_sourceLocation) {
            exercised.insert("\(method) \(template) \(response.status)")
            let problems = Self.conformance(method: method, template: template, response: response)
            #expect(problems.isEmpty, "\(method) \(template) \(response.status): \(problems) \(response.text)", sourceLocation: sourceLocation)
        }
        let police = TestHome.returnJSON(agency: "police")
        check("POST", "/v1/submissions", try socket.submit(try test.cliSeal(police, agency: "police")))
        check("POST", "/v1/submissions", try socket.submit(try test.cliSeal(police, agency: "police")))
        check("POST", "/v1/submissions", try socket.submit(Array("junk".utf8)))
        check("POST", "/v1/submissions", try socket.submit(try test.cliSeal(police, agency: "rogue")))
        check("POST", "/v1/submissions", try socket.submit(try test.cliSeal(TestHome.returnJSON(agency: "police", caseRef: "RR-2026-999"),
                                                                           agency: "police")))
        check("POST", "/v1/submissions", try socket.submit(try test.cliSeal(TestHome.returnJSON(agency: "probation"), agency: "probation")))
        check("POST", "/v1/submissions", try socket.request("POST", "/v1/submissions"))
        check("POST", "/v1/submissions", try socket.request("POST", "/v1/submissions", headers: [("Content-Length", "\(1 << 40)")]))
        check("POST", "/v1/submissions", try socket.request("POST", "/v1/submissions", headers: [("Content-Length", "\(2 << 20)")]))
        check("GET", "/v1/cases/{ref}", try socket.request("GET", "/v1/cases/\(TestHome.caseRef)"))
        check("GET", "/v1/cases/{ref}", try socket.request("GET", "/v1/cases/RR-2026-999"))
        check("GET", "/healthz", try socket.request("GET", "/healthz"))
        check("GET", "/metrics", try socket.request("GET", "/metrics"))
        let slow = try HTTPTestConnection(unix: socket.socketPath)
        slow.sendRequest("POST", "/v1/submissions", headers: [("Content-Length", "100")])
        check("POST", "/v1/submissions", try #require(slow.readResponse(timeout: 10)))
        // The rejection budget (5 an hour here) runs out.
        check("POST", "/v1/submissions", try socket.submit(Array("junk 2".utf8)))
        check("POST", "/v1/submissions", try socket.submit(Array("junk 3".utf8)))
        check("POST", "/v1/submissions", try socket.submit(Array("junk 4".utf8)))
        // A method the document does not list is refused with 405 and Allow.
        let wrong = try socket.request("DELETE", "/healthz")
        #expect(wrong.status == 405 && wrong.headers["allow"] == "GET, HEAD")
        try await socket.stop()

        let documented = Self.documentedStatuses()
        let missing = documented.subtracting(exercised).subtracting(Self.notExercised)
        #expect(missing.isEmpty, "documented but not exercised: \(missing.sorted()); exercised: \(exercised.sorted())")
        #expect(exercised.isSubset(of: documented))
    }

    /// "METHOD TEMPLATE STATUS" for every documented response.
    static func documentedStatuses() -> Set<String> {
        var result = Set<String>()
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                for status in (operation["responses"]?.objectValue ?? [:]).keys {
                    result.insert("\(method.uppercased()) \(path) \(status)")
                }
            }
        }
        return result
    }

    /// What is wrong with `response` for the operation, by the document.
    static func conformance(method: String, template: String, response: HTTPTestResponse) -> [String] {
        guard let operation = document["paths"]?[template]?[method.lowercased()] else { return ["no such operation"] }
        guard var described = operation["responses"]?["\(response.status)"] else { return ["status not documented"] }
        if let ref = described["$ref"]?.stringValue { described = resolve(ref) }
        guard let content = described["content"]?.objectValue else { return response.body.isEmpty ? [] : ["undocumented body"] }
        let mediaType = String((response.headers["content-type"] ?? "").split(separator: ";").first ?? "")
        guard let media = content[mediaType] else { return ["media type \(mediaType) not documented"] }
        if let headers = described["headers"]?.objectValue {
            for name in headers.keys where response.headers[name.lowercased()] == nil { return ["header \(name) missing"] }
        }
        guard mediaType == "application/json", let schema = media["schema"] else { return [] }
        guard let body = response.json else { return ["body is not JSON"] }
        return validate(body, against: schema, at: "")
    }

    static func resolve(_ ref: String) -> JSONValue {
        var node = document
        for part in ref.dropFirst(2).split(separator: "/") { node = node[String(part)] ?? .null }
        return node
    }

    /// The JSON Schema keywords docs/openapi.json uses: $ref, type, enum, required,
    /// properties, items, minimum, pattern.
    static func validate(_ value: JSONValue, against schema: JSONValue, at path: String) -> [String] {
        if let ref = schema["$ref"]?.stringValue { return validate(value, against: resolve(ref), at: path) }
        var problems: [String] = []
        if let type = schema["type"] {
            let allowed = type.arrayValue?.compactMap(\.stringValue) ?? [type.stringValue ?? ""]
            guard allowed.contains(where: { matches(value, type: $0) }) else { return ["\(path): not \(allowed)"] }
        }
        if let choices = schema["enum"]?.arrayValue, !choices.contains(value) { problems.append("\(path): \(value) not in enum") }
        if let minimum = schema["minimum"]?.intValue, let number = value.intValue, number < minimum {
            problems.append("\(path): below \(minimum)")
        }
        if let pattern = schema["pattern"]?.stringValue, let text = value.stringValue,
           text.range(of: pattern, options: .regularExpression) == nil {
            problems.append("\(path): does not match \(pattern)")
        }
        if let object = value.objectValue {
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where object[key] == nil {
                problems.append("\(path)/\(key): required")
            }
            let properties = schema["properties"]?.objectValue ?? [:]
            for (key, member) in object {
                guard let propertySchema = properties[key] else { problems.append("\(path)/\(key): not documented"); continue }
                problems += validate(member, against: propertySchema, at: "\(path)/\(key)")
            }
        }
        if let items = schema["items"], let array = value.arrayValue {
            for (offset, element) in array.enumerated() { problems += validate(element, against: items, at: "\(path)/\(offset)") }
        }
        return problems
    }

    static func matches(_ value: JSONValue, type: String) -> Bool {
        switch type {
        case "object": value.objectValue != nil
        case "array": value.arrayValue != nil
        case "string": value.stringValue != nil
        case "integer": value.intValue != nil
        case "boolean": value.boolValue != nil
        case "null": value == .null
        default: false
        }
    }
}
