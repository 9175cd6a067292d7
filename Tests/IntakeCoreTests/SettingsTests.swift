import Foundation
import Testing
@testable import IntakeCore

@Suite struct SettingsTests {
    static func settingsError(_ text: String) -> SettingsError? {
        do {
            _ = try Settings.parse(text)
            return nil
        } catch {
            return error
        }
    }

    static let head = "partnership = \"Northshire Safeguarding Children Partnership\"\norigin = \"intake.northshire.example/ledger\"\n"

    @Test func defaultsMatchTheDesign() {
        let settings = Settings(partnership: "P", origin: "o")
        #expect(settings.timescales == Settings.Timescales(requests: 2, returns: 8, meeting: 13, panel: 15, panelAfterMeeting: 2))
        #expect(settings.policy.maxEnvelopeBytes == 67_108_864)
        #expect(settings.policy.allowCBC)
        #expect(settings.policy.allowRSAPKCS1v15)
        #expect(settings.pack.autoRelease)
        #expect(settings.listen.unix == "intake.sock")
        #expect(settings.listen.tcp == "")
        #expect(settings.calendar.division == "england-and-wales")
    }

    @Test func missingSectionsTakeDefaults() throws {
        let settings = try Settings.parse(Self.head)
        #expect(settings == Settings(partnership: "Northshire Safeguarding Children Partnership", origin: "intake.northshire.example/ledger"))
        let partial = try Settings.parse(Self.head + "[timescales]\nreturns = 10\n[listen]\n")
        #expect(partial.timescales == Settings.Timescales(returns: 10))
        #expect(partial.listen == Settings.Listen())
    }

    @Test func everySettingCanBeOverridden() throws {
        let text = """
            # a partnership's own settings
            partnership = 'Westshire & Eastshire "Joint" Partnership'
            origin = "intake.west-east.example"
            [timescales]
            requests = 1
            returns = 0
            meeting = 100
            panel = 14
            panel_after_meeting = 3
            [policy]
            max_envelope_bytes = 4_294_967_296
            allow_cbc = false
            allow_rsa_pkcs1v15 = false
            max_quarantine_bytes = 1099511627776
            [pack]
            auto_release = false
            [listen]
            unix = "run/intake.sock"
            tcp = "127.0.0.1:8480"
            group = "intake-upload"
            max_connections = 10
            max_connections_per_peer = 4
            max_concurrent = 2
            max_body_memory = 1048576
            request_timeout = 5
            rate = 3
            burst = 4
            rejections_per_hour = 6
            [calendar]
            division = "scotland"
            [daemon]
            shutdown_grace = 7
            [alerts]
            soon = 3
            command = "mail -s alert unit@example.org"
            """
        let expected = Settings(
            partnership: #"Westshire & Eastshire "Joint" Partnership"#, origin: "intake.west-east.example",
            timescales: .init(requests: 1, returns: 0, meeting: 100, panel: 14, panelAfterMeeting: 3),
            policy: .init(maxEnvelopeBytes: 4 << 30, allowCBC: false, allowRSAPKCS1v15: false, maxQuarantineBytes: 1 << 40),
            pack: .init(autoRelease: false),
            listen: .init(unix: "run/intake.sock", tcp: "127.0.0.1:8480", group: "intake-upload", maxConnections: 10,
                          maxConcurrent: 2, maxBodyMemory: 1 << 20, requestTimeout: 5, rate: 3, burst: 4, rejectionsPerHour: 6,
                          maxConnectionsPerPeer: 4),
            calendar: .init(division: "scotland"), daemon: .init(shutdownGrace: 7),
            alerts: .init(soon: 3, command: "mail -s alert unit@example.org"))
        let settings = try Settings.parse(text)
        #expect(settings == expected)
        #expect(try Settings.parse(settings.fileText()) == expected)
    }

    @Test(arguments: [
        ("Northshire Safeguarding Children Partnership", "intake.northshire.example/ledger"),
        (#"Quote " and \ backslash"#, "o"),
        ("Ynys Môn — Gwynedd ☃ 😀", "ynys-mon.example"),
        ("Hash # and 'single'", "x/y/z"),
    ])
    func defaultFileRoundTrips(partnership: String, origin: String) throws {
        let file = Settings.defaultFile(partnership: partnership, origin: origin)
        #expect(try Settings.parse(file) == Settings(partnership: partnership, origin: origin))
        // It documents every setting.
        for key in ["partnership", "origin", "[timescales]", "requests", "returns", "meeting", "panel",
                    "panel_after_meeting", "[policy]", "max_envelope_bytes", "max_quarantine_bytes", "allow_cbc", "allow_rsa_pkcs1v15",
                    "[pack]", "auto_release", "[listen]", "unix", "tcp", "group", "max_connections", "max_connections_per_peer", "max_concurrent",
                    "max_body_memory", "request_timeout", "rate", "burst", "rejections_per_hour", "[calendar]", "division",
                    "[ledger]", "checkpoint_command", "[daemon]", "shutdown_grace", "[alerts]", "soon", "command"] {
            #expect(file.contains("\n" + key + " = ") || file.contains("\n" + key + "\n"), "\(key)")
        }
        #expect(file.contains("\nrequests = 2\n") && file.contains("\nmax_envelope_bytes = 67108864\n"))
    }

    @Test(arguments: [
        ("origin = \"o\"\n", "missing-key", "partnership", nil),
        ("partnership = \"P\"\n", "missing-key", "origin", nil),
        ("partnership = \"\"\norigin = \"o\"\n", "invalid-value", "partnership", 1),
        ("partnership = \"a\\nb\"\norigin = \"o\"\n", "invalid-value", "partnership", 1),
        ("partnership = \"P\"\norigin = \"\"\n", "invalid-value", "origin", 2),
        ("partnership = \"P\"\norigin = \"a b\"\n", "invalid-value", "origin", 2),
        ("partnership = \"P\"\norigin = \"a+b\"\n", "invalid-value", "origin", 2),
        ("partnership = 1\norigin = \"o\"\n", "wrong-type", "partnership", 1),
        ("partnership = [\"P\"]\norigin = \"o\"\n", "wrong-type", "partnership", 1),
        (head + "timescales = 2\n", "wrong-type", "timescales", 3),
        (head + "colour = \"blue\"\n", "unknown-key", "colour", 3),
        (head + "[timescales]\nrequests = 2\nreturn = 8\n", "unknown-key", "timescales.return", 5),
        (head + "\n[extras]\n", "unknown-key", "extras", 4),
        (head + "[Timescales]\n", "unknown-key", "Timescales", 3),
        (head + "[timescales.requests]\n", "unknown-key", "timescales.requests", 3),
        (head + "[timescales]\nrequests = \"2\"\n", "wrong-type", "timescales.requests", 4),
        (head + "[timescales]\nrequests = true\n", "wrong-type", "timescales.requests", 4),
        (head + "[timescales]\nrequests = 101\n", "out-of-range", "timescales.requests", 4),
        (head + "[timescales]\npanel_after_meeting = -1\n", "out-of-range", "timescales.panel_after_meeting", 4),
        (head + "[policy]\nmax_envelope_bytes = 0\n", "out-of-range", "policy.max_envelope_bytes", 4),
        (head + "[policy]\nmax_envelope_bytes = 4294967297\n", "out-of-range", "policy.max_envelope_bytes", 4),
        (head + "[policy]\nallow_cbc = \"yes\"\n", "wrong-type", "policy.allow_cbc", 4),
        (head + "[policy]\nallow_rsa_pkcs1v15 = 1\n", "wrong-type", "policy.allow_rsa_pkcs1v15", 4),
        (head + "[pack]\nauto_release = []\n", "wrong-type", "pack.auto_release", 4),
        (head + "[listen]\nunix = \"\"\n", "invalid-value", "listen.unix", 4),
        (head + "[listen]\ntcp = \"localhost\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \"127.0.0.1:0\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \"127.0.0.1:65536\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \":8480\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \"::1:8480\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \"0.0.0.0:8480\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \"192.168.1.2:8480\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ntcp = \"127.0.0.256:8480\"\n", "invalid-value", "listen.tcp", 4),
        (head + "[listen]\ngroup = \"a b\"\n", "invalid-value", "listen.group", 4),
        (head + "[listen]\nmax_concurrent = 0\n", "out-of-range", "listen.max_concurrent", 4),
        (head + "[listen]\nrequest_timeout = 0\n", "out-of-range", "listen.request_timeout", 4),
        (head + "[listen]\nmax_body_memory = 1024\n", "out-of-range", "listen.max_body_memory", 4),
        (head + "[daemon]\nshutdown_grace = 0\n", "out-of-range", "daemon.shutdown_grace", 4),
        (head + "[daemon]\ngrace = 1\n", "unknown-key", "daemon.grace", 4),
        (head + "[alerts]\nsoon = 16\n", "out-of-range", "alerts.soon", 4),
        (head + "[calendar]\ndivision = \"wales\"\n", "invalid-value", "calendar.division", 4),
        (head + "[calendar]\ndivision = \"England-and-Wales\"\n", "invalid-value", "calendar.division", 4),
        // Malformed TOML comes through with the TOML code and line.
        (head + "[policy]\nallow_cbc = yes\n", "syntax", nil, 4),
        (head + "[policy]\nmax_envelope_bytes = 6.4e7\n", "unsupported", nil, 4),
        (head + "[pack]\n[pack]\n", "duplicate-table", nil, 4),
        ("partnership = \"P\"\npartnership = \"Q\"\norigin = \"o\"\n", "duplicate-key", nil, 2),
    ] as [(String, String, String?, Int?)])
    func rejects(text: String, code: String, key: String?, line: Int?) {
        let error = Self.settingsError(text)
        #expect(error?.code == code)
        #expect(error?.key == key)
        #expect(error?.line == line)
        if let key { #expect(error?.message.contains(key) == true) }
    }

    @Test(arguments: ["127.0.0.1:8480", "[::1]:8480", "localhost:1", "127.1.2.3:65535", ""])
    func acceptsListenAddresses(tcp: String) throws {
        #expect(try Settings.parse(Self.head + "[listen]\ntcp = \(TOML.quoted(tcp))\n").listen.tcp == tcp)
    }

    @Test func rangeBoundsAreInclusive() throws {
        let low = try Settings.parse(Self.head + "[timescales]\nrequests = 0\n[policy]\nmax_envelope_bytes = 1\n")
        #expect(low.timescales.requests == 0 && low.policy.maxEnvelopeBytes == 1)
        let high = try Settings.parse(Self.head + "[timescales]\npanel = 100\n[policy]\nmax_envelope_bytes = 4294967296\n")
        #expect(high.timescales.panel == 100 && high.policy.maxEnvelopeBytes == 4_294_967_296)
    }
}

extension SettingsTests {
    /// The TOML v1.0.0 subset that `intake.toml` is written in.
    @Suite struct TOMLSubset {
        static func tomlError(_ text: String) -> TOMLError? {
            do {
                _ = try TOML.parse(text)
                return nil
            } catch {
                return error
            }
        }

        static let accepted: [(String, [String: TOMLValue])] = [
            ("", [:]),
            ("# only a comment", [:]),
            ("\n\n  \t\n", [:]),
            ("a = 1", ["a": .integer(1)]),
            ("a=1\nb=2\n", ["a": .integer(1), "b": .integer(2)]),
            ("  a = 1  # trailing comment\n", ["a": .integer(1)]),
            ("a = 1\r\nb = 2\r\n", ["a": .integer(1), "b": .integer(2)]),
            ("bare_key-1 = true\nB = false", ["bare_key-1": .boolean(true), "B": .boolean(false)]),
            ("\"quoted key\" = 'literal'", ["quoted key": .string("literal")]),
            ("'lit.key' = \"v\"", ["lit.key": .string("v")]),
            ("\"\" = 0", ["": .integer(0)]),
            ("\"é\\u00e9\" = 0", ["éé": .integer(0)]),
            ("a = -17\nb = +5\nc = -0\nd = +0\ne = 0", ["a": .integer(-17), "b": .integer(5), "c": .integer(0), "d": .integer(0), "e": .integer(0)]),
            ("a = 1_000_000\nb = 5_3_9", ["a": .integer(1_000_000), "b": .integer(539)]),
            ("a = 9223372036854775807\nb = -9223372036854775808", ["a": .integer(.max), "b": .integer(.min)]),
            (#"a = "\b\t\n\f\r\"\\\u00e9\U0001F600""#, ["a": .string("\u{08}\t\n\u{0C}\r\"\\é😀")]),
            (#"a = 'C:\Users\x "quoted" #not-a-comment'"#, ["a": .string(#"C:\Users\x "quoted" #not-a-comment"#)]),
            ("a = \"tab\there\"\nb = 'tab\tthere'", ["a": .string("tab\there"), "b": .string("tab\tthere")]),
            ("a = \"ünïcødé ☃\"", ["a": .string("ünïcødé ☃")]),
            ("a = \"# not a comment\"", ["a": .string("# not a comment")]),
            ("a = []", ["a": .array([])]),
            ("a = [ 1, 2,3 ]", ["a": .array([.integer(1), .integer(2), .integer(3)])]),
            ("a = [\"x\", 'y', true, -1]", ["a": .array([.string("x"), .string("y"), .boolean(true), .integer(-1)])]),
            ("a = [\n  1, # one\n  # a comment line\n  2,\n]\nb = 3", ["a": .array([.integer(1), .integer(2)]), "b": .integer(3)]),
            ("a = [[1], [2, [3]], []]", ["a": .array([.array([.integer(1)]), .array([.integer(2), .array([.integer(3)])]), .array([])])]),
        ]

        @Test(arguments: accepted)
        func acceptsRootTable(text: String, expected: [String: TOMLValue]) throws {
            let document = try TOML.parse(text)
            #expect(document.root.entries.mapValues(\.value) == expected)
            #expect(document.tables.count == 1)
        }

        @Test func tablesAndLines() throws {
            let text = """
                top = 1
                # comment

                [server]
                port = 8480
                  [ a . "b c" . 'd' ]
                x = "y"
                [a]
                z = [
                  1,
                ]
                w = 2
                """
            let document = try TOML.parse(text)
            #expect(document.root["top"] == .integer(1))
            #expect(document.root.entries["top"]?.line == 1)
            let server = try #require(document.table("server"))
            #expect(server.line == 4 && server.isDefined)
            #expect(server.entries["port"] == TOMLTable.Entry(value: .integer(8480), line: 5))
            let deep = try #require(document.table("a", "b c", "d"))
            #expect(deep["x"] == .string("y") && deep.line == 6)
            #expect(document.table("a", "b c")?.isDefined == false)
            let a = try #require(document.table("a"))
            #expect(a.isDefined && a.line == 8)
            #expect(a["z"] == .array([.integer(1)]) && a.entries["z"]?.line == 9)
            #expect(a.entries["w"]?.line == 12)
            #expect(document.tables.count == 5)
        }

        static let rejected: [(String, String, Int)] = [
            ("a = 1.5", "unsupported", 1),
            ("a = 1e5", "unsupported", 1),
            ("a = -1E5", "unsupported", 1),
            ("a = inf", "unsupported", 1),
            ("a = -inf", "unsupported", 1),
            ("a = nan", "unsupported", 1),
            ("a = 1979-05-27", "unsupported", 1),
            ("a = 1979-05-27T07:32:00Z", "unsupported", 1),
            ("a = 1979-05-27 07:32:00", "unsupported", 1),
            ("a = 07:32:00", "unsupported", 1),
            ("a = 0x10", "unsupported", 1),
            ("a = 0o17", "unsupported", 1),
            ("a = 0b101", "unsupported", 1),
            ("a = \"\"\"x\"\"\"", "unsupported", 1),
            ("a = '''x'''", "unsupported", 1),
            ("a = { x = 1 }", "unsupported", 1),
            ("x = 1\n[[t]]", "unsupported", 2),
            ("a.b = 1", "unsupported", 1),
            ("a . b = 1", "unsupported", 1),
            ("a = [1.5]", "unsupported", 1),
            ("a = 1\na = 2", "duplicate-key", 2),
            ("a = 1\n\n# c\nb = 2\n\"b\" = 3", "duplicate-key", 5),
            ("'a' = 1\n\"a\" = 2", "duplicate-key", 2),
            ("[t]\na = 1\na = 1", "duplicate-key", 3),
            ("a = 1\n[a]", "duplicate-key", 2),
            ("[t]\na = 1\n[t.a]", "duplicate-key", 3),
            ("[t.a]\n[t]\na = 1", "duplicate-key", 3),
            ("[t]\n[t]", "duplicate-table", 2),
            ("[t.u]\n[t]\n[t]", "duplicate-table", 3),
            ("[ t ]\n[\"t\"]", "duplicate-table", 2),
            ("a", "syntax", 1),
            ("a =", "syntax", 1),
            ("a = \nb = 1", "syntax", 1),
            ("= 1", "syntax", 1),
            ("a = 1 2", "syntax", 1),
            ("a = 1,", "syntax", 1),
            ("a = 1]", "syntax", 1),
            ("a = True", "syntax", 1),
            ("a = yes", "syntax", 1),
            ("a = _1", "syntax", 1),
            ("a = +", "syntax", 1),
            ("a = \"x", "syntax", 1),
            ("a = \"x\ny\"", "syntax", 1),
            ("a = 'x", "syntax", 1),
            ("a = \"x\" \"y\"", "syntax", 1),
            ("\"\"\"k\"\"\" = 1", "syntax", 1),
            ("a b = 1", "syntax", 1),
            ("é = 1", "syntax", 1),
            ("[]", "syntax", 1),
            ("[a", "syntax", 1),
            ("[a.]", "syntax", 1),
            ("[a] b", "syntax", 1),
            ("[a]]", "syntax", 1),
            ("a = [1, 2", "syntax", 1),
            ("a = [1\n2]", "syntax", 2),
            ("a = [,]", "syntax", 1),
            ("a = [1,,2]", "syntax", 1),
            ("a = [\n1,\n2\n]\nb = oops", "syntax", 5),
            ("a = \"\\x\"", "invalid-escape", 1),
            ("a = \"\\e\"", "invalid-escape", 1),
            ("a = \"\\u12\"", "invalid-escape", 1),
            ("a = \"\\uD800\"", "invalid-escape", 1),
            ("a = \"\\U00110000\"", "invalid-escape", 1),
            ("a = \"\\", "syntax", 1),
            ("a = \"a\u{1}b\"", "invalid-character", 1),
            ("a = \"a\u{7F}b\"", "invalid-character", 1),
            ("a = 'a\u{0}b'", "invalid-character", 1),
            ("a = 1\n# bell \u{7}", "invalid-character", 2),
            ("a = 1\rb = 2", "invalid-character", 1),
            ("a = 01", "invalid-integer", 1),
            ("a = -01", "invalid-integer", 1),
            ("a = 1__0", "invalid-integer", 1),
            ("a = 1_", "invalid-integer", 1),
            ("a = 1a", "invalid-integer", 1),
            ("a = 9223372036854775808", "invalid-integer", 1),
            ("a = -9223372036854775809", "invalid-integer", 1),
            ("a = " + String(repeating: "[", count: 40) + String(repeating: "]", count: 40), "too-deep", 1),
        ]

        @Test(arguments: rejected)
        func rejects(text: String, code: String, line: Int) {
            let error = Self.tomlError(text)
            #expect(error?.code == code)
            #expect(error?.line == line)
        }

        @Test func deepArraysAtTheLimit() throws {
            var nested: TOMLValue = .array([])
            for _ in 1..<32 { nested = .array([nested]) }
            let text = "a = " + String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
            #expect(try TOML.parse(text).root["a"] == nested)
            // Far past the limit: an error, not a stack overflow.
            #expect(Self.tomlError("a = " + String(repeating: "[", count: 100_000))?.code == "too-deep")
        }

        @Test(arguments: ["", "plain", "q\"uote", "back\\slash", "\u{0}\u{1}\u{8}\t\n\u{C}\r\u{1F}\u{7F}", "é☃😀", "'single'"])
        func quotedRoundTrips(value: String) throws {
            let document = try TOML.parse("k = " + TOML.quoted(value))
            #expect(document.root["k"] == .string(value))
            #expect(try TOML.parse(TOML.quoted(value) + " = 1").root[value] == .integer(1))
        }

        /// Mutations of a valid file: each must parse or throw, never crash.
        @Test func mutationsNeverCrash() {
            let seed = Array(Settings.defaultFile(partnership: "P \"q\" é", origin: "o").utf8)
            let alphabet = Array("[]{}=.,'\"\\#\n\r\t _-+0123456789aeuxUtrf".utf8) + [0x00, 0x7F, 0xC3, 0xA9]
            var state: UInt64 = 1_000
            func next() -> Int {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int(truncatingIfNeeded: state >> 33)
            }
            var outcomes: Set<String> = []
            for _ in 0..<2_000 {
                var text = seed
                for _ in 0..<(1 + next() % 4) {
                    let position = next() % text.count
                    switch next() % 3 {
                    case 0: text[position] = alphabet[next() % alphabet.count]
                    case 1: text.remove(at: position)
                    default: text.insert(alphabet[next() % alphabet.count], at: position)
                    }
                }
                do {
                    _ = try Settings.parse(String(decoding: text, as: UTF8.self))
                    outcomes.insert("ok")
                } catch {
                    outcomes.insert(error.code)
                }
            }
            #expect(outcomes.contains("ok") && outcomes.contains("syntax") && outcomes.count > 5)
        }

        @Test func quotedKnownAnswer() {
            #expect(TOML.quoted("a\"b\\c\nd\u{1}\u{7F}é") == #""a\"b\\c\nd\u0001\u007Fé""#)
        }
    }
}

@Suite struct LedgerSettingsTests {
    @Test func checkpointCommandDefaultsToNoneAndParses() throws {
        let text = Settings.defaultFile(partnership: "P", origin: "p.example/intake")
        #expect(try Settings.parse(text).ledger.checkpointCommand == "")
        let set = text.replacingOccurrences(of: "checkpoint_command = \"\"", with: "checkpoint_command = \"mail -s checkpoint panel@example.org\"")
        #expect(try Settings.parse(set).ledger.checkpointCommand == "mail -s checkpoint panel@example.org")
        let control = text.replacingOccurrences(of: "checkpoint_command = \"\"", with: "checkpoint_command = \"a\\nb\"")
        #expect(throws: SettingsError.self) { try Settings.parse(control) }
        let unknown = text + "\n[ledger.extra]\nx = 1\n"
        #expect(throws: SettingsError.self) { try Settings.parse(unknown) }
    }
}
