import IntakeDaemon
import Testing

/// The connection state machine, without I/O.
@Suite struct HTTPRequestMachineTests {
    typealias Head = HTTPRequestMachine.Head

    @Test(arguments: [
        ("POST", "/v1/submissions", HTTPRoute.Resolution.route(.submit)),
        ("GET", "/v1/submissions", .methodNotAllowed(allow: "POST")),
        ("GET", "/v1/cases/RR-2026-014", .route(.caseStatus("RR-2026-014"))),
        ("HEAD", "/v1/cases/RR-2026-014?x=1", .route(.caseStatus("RR-2026-014"))),
        ("GET", "/v1/cases/", .notFound),
        ("GET", "/v1/cases/a/b", .notFound),
        ("POST", "/v1/cases/RR-1", .methodNotAllowed(allow: "GET, HEAD")),
        ("GET", "/healthz", .route(.health)),
        ("GET", "/metrics", .route(.metrics)),
        ("DELETE", "/metrics", .methodNotAllowed(allow: "GET, HEAD")),
        ("GET", "/", .notFound),
        ("GET", "/v1/submissions/../healthz", .notFound),
    ])
    func routes(method: String, target: String, expected: HTTPRoute.Resolution) {
        #expect(HTTPRoute.resolve(method: method, target: target) == expected)
    }

    @Test func submissionWithinTheLimitIsAdmittedKeptAndDispatched() {
        var machine = HTTPRequestMachine(bodyLimit: 10)
        #expect(machine.head(Head(method: "POST", target: "/v1/submissions", contentLength: 10, chunked: false))
            == .admit(.submit, declaredLength: 10))
        #expect(machine.isMidRequest)
        #expect(machine.body(count: 6) == .keep)
        #expect(machine.body(count: 4) == .keep)
        #expect(machine.end() == .dispatch(.submit))
        #expect(machine.isProcessing)
        machine.responded()
        #expect(!machine.isProcessing && !machine.isMidRequest)
        // Ready for the next request on the connection.
        #expect(machine.head(Head(method: "GET", target: "/healthz", contentLength: 0, chunked: false))
            == .admit(.health, declaredLength: 0))
    }

    @Test func declaredLengthOverTheLimitIsRefusedAtTheHead() {
        var machine = HTTPRequestMachine(bodyLimit: 10)
        guard case .refuse(let refusal) = machine.head(Head(method: "POST", target: "/v1/submissions", contentLength: 11, chunked: false))
        else { Issue.record("not refused"); return }
        #expect(refusal.status == 413 && refusal.code == "too-large" && refusal.close)
        // Nothing after it is kept.
        #expect(machine.body(count: 5) == .none)
        #expect(machine.end() == .none)
    }

    @Test func chunkedBodyIsRefusedTheMomentItPassesTheLimit() {
        var machine = HTTPRequestMachine(bodyLimit: 10)
        #expect(machine.head(Head(method: "POST", target: "/v1/submissions", contentLength: nil, chunked: true))
            == .admit(.submit, declaredLength: nil))
        #expect(machine.body(count: 10) == .keep)
        guard case .refuse(let refusal) = machine.body(count: 1) else { Issue.record("not refused"); return }
        #expect(refusal.status == 413 && refusal.close)
        #expect(machine.body(count: 1000) == .none)
    }

    @Test func submissionWithoutALengthIsRefused() {
        var machine = HTTPRequestMachine(bodyLimit: 10)
        guard case .refuse(let refusal) = machine.head(Head(method: "POST", target: "/v1/submissions", contentLength: nil, chunked: false))
        else { Issue.record("not refused"); return }
        #expect(refusal.status == 411)
    }

    @Test func unknownPathsAndMethodsAreRefusedAndBodiesDiscarded() {
        var machine = HTTPRequestMachine(bodyLimit: 10)
        guard case .refuse(let notFound) = machine.head(Head(method: "GET", target: "/nope", contentLength: 0, chunked: false))
        else { Issue.record("not refused"); return }
        #expect(notFound.status == 404 && !notFound.close)
        #expect(machine.end() == .none)
        guard case .refuse(let wrongMethod) = machine.head(Head(method: "PUT", target: "/healthz", contentLength: 3, chunked: false))
        else { Issue.record("not refused"); return }
        // With a body on its way, the connection closes rather than read what was refused.
        #expect(wrongMethod.status == 405 && wrongMethod.allow == "GET, HEAD" && wrongMethod.close)
    }

    @Test func admissionRefusalDiscardsTheBody() {
        var machine = HTTPRequestMachine(bodyLimit: 10)
        let head = Head(method: "POST", target: "/v1/submissions", contentLength: 5, chunked: false)
        _ = machine.head(head)
        guard case .refuse(let refusal) = machine.refusedAdmission(head, status: 429, code: "rate-limited", message: "slow down")
        else { Issue.record("not refused"); return }
        #expect(refusal.status == 429 && refusal.close)
        #expect(machine.body(count: 5) == .none)
    }

    @Test func getBodiesAreReadAndIgnored() {
        var machine = HTTPRequestMachine(bodyLimit: 1)
        #expect(machine.head(Head(method: "GET", target: "/healthz", contentLength: 100, chunked: false)) == .admit(.health, declaredLength: 0))
        #expect(machine.body(count: 100) == .none)
        #expect(machine.end() == .dispatch(.health))
    }
}
