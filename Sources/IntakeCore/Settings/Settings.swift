/// The partnership's settings: `intake.toml` in the home directory (DESIGN §5).
///
/// DESIGN §5:
///
/// > `intake.toml` holds at least these settings, with these names and defaults:
/// >
/// >     partnership = "…"                 origin = "…"          # checkpoint origin line
/// >     [timescales]  requests = 2   returns = 8   meeting = 13   panel = 15   panel_after_meeting = 2
/// >     [policy]      max_envelope_bytes = 67108864   allow_cbc = true   allow_rsa_pkcs1v15 = true
/// >     [pack]        auto_release = true
/// >     [listen]      unix = "intake.sock"   tcp = ""           # e.g. "127.0.0.1:8480"
///
/// plus `[calendar] division = "england-and-wales"` (the gov.uk bank-holiday division whose
/// holidays are not working days, DESIGN §2), `[ledger] checkpoint_command = ""` (a
/// command the daemon runs with each new signed checkpoint on its standard input) and
/// `[policy] max_quarantine_bytes = 10737418240` (the bound on quarantine/, issue 12).
///
/// Parsing is strict: `partnership` and `origin` are required; any other missing key or
/// section takes its default; an unknown key or section, a value of the wrong type, or a
/// value out of range is an error naming the key and its line.
public struct Settings: Sendable, Equatable {
    /// The partnership's name, as shown in reports and meeting packs. Required, non-empty.
    public var partnership: String
    /// The ledger's checkpoint origin line (C2SP tlog-checkpoint), also the ledger key's
    /// name. Required: non-empty, without spaces, `+` or control characters.
    public var origin: String
    public var timescales: Timescales
    public var policy: Policy
    public var pack: Pack
    public var listen: Listen
    public var calendar: Calendar
    public var ledger: Ledger
    public var daemon: Daemon
    public var alerts: Alerts

    public init(
        partnership: String, origin: String, timescales: Timescales = Timescales(),
        policy: Policy = Policy(), pack: Pack = Pack(), listen: Listen = Listen(),
        calendar: Calendar = Calendar(), ledger: Ledger = Ledger(), daemon: Daemon = Daemon(), alerts: Alerts = Alerts()
    ) {
        self.alerts = alerts
        self.partnership = partnership
        self.origin = origin
        self.timescales = timescales
        self.policy = policy
        self.pack = pack
        self.listen = listen
        self.calendar = calendar
        self.ledger = ledger
        self.daemon = daemon
    }

    /// `[timescales]`: working days after the referral (day 0) by which each milestone is
    /// due (DESIGN §2). Each is in `Timescales.range`.
    public struct Timescales: Sendable, Equatable {
        /// `requests`: scoping and information-sharing requests sent to agencies.
        public var requests: Int
        /// `returns`: agency returns due.
        public var returns: Int
        /// `meeting`: the Rapid Review meeting held.
        public var meeting: Int
        /// `panel`: the Panel notified (or `panelAfterMeeting` after the meeting, if earlier).
        public var panel: Int
        /// `panel_after_meeting`: working days after the meeting by which the Panel is notified.
        public var panelAfterMeeting: Int

        public init(requests: Int = 2, returns: Int = 8, meeting: Int = 13, panel: Int = 15, panelAfterMeeting: Int = 2) {
            self.requests = requests
            self.returns = returns
            self.meeting = meeting
            self.panel = panel
            self.panelAfterMeeting = panelAfterMeeting
        }

        public static let range = 0...100
    }

    /// `[policy]`: what the intake pipeline accepts.
    public struct Policy: Sendable, Equatable {
        /// `max_envelope_bytes`: larger inputs are rejected as `too-large`. In `maxEnvelopeBytesRange`.
        public var maxEnvelopeBytes: Int
        /// `allow_cbc`: accept AES-CBC content encryption.
        public var allowCBC: Bool
        /// `allow_rsa_pkcs1v15`: accept RSA PKCS#1 v1.5 key transport.
        public var allowRSAPKCS1v15: Bool

        /// `max_quarantine_bytes`: what quarantine/ may hold; beyond it rejections are
        /// recorded without their bytes. In `maxQuarantineBytesRange`.
        public var maxQuarantineBytes: Int

        public init(maxEnvelopeBytes: Int = 67_108_864, allowCBC: Bool = true, allowRSAPKCS1v15: Bool = true,
                    maxQuarantineBytes: Int = 10 << 30) {
            self.maxEnvelopeBytes = maxEnvelopeBytes
            self.maxQuarantineBytes = maxQuarantineBytes
            self.allowCBC = allowCBC
            self.allowRSAPKCS1v15 = allowRSAPKCS1v15
        }

        /// 1 byte to 4 GiB.
        public static let maxEnvelopeBytesRange = 1...(4 << 30)
        /// 0 (keep no rejected bytes) to 1 PiB.
        public static let maxQuarantineBytesRange = 0...(1 << 50)
    }

    /// `[pack]`: the meeting pack.
    public struct Pack: Sendable, Equatable {
        /// `auto_release`: release the pack once every expected return is complete.
        public var autoRelease: Bool

        public init(autoRelease: Bool = true) { self.autoRelease = autoRelease }
    }

    /// `[listen]`: the HTTP socket and its limits.
    public struct Listen: Sendable, Equatable {
        /// `unix`: the Unix socket's path, relative to the home directory. Non-empty.
        public var unix: String
        /// `tcp`: a loopback `HOST:PORT` (`127.x.x.x`, `[::1]` or `localhost`, e.g.
        /// `127.0.0.1:8480`), or empty for none.
        public var tcp: String
        /// `group`: the group that owns the Unix socket (mode 0660); empty for the daemon's own.
        public var group: String
        /// `max_connections`: open connections at once on each listener (the Unix socket and
        /// the TCP listener each have this many); more are closed on arrival.
        public var maxConnections: Int
        /// `max_connections_per_peer`: of those, how many one peer may hold (a Unix-socket
        /// peer is a uid; over TCP every local user is the same peer, 127.0.0.1).
        public var maxConnectionsPerPeer: Int
        /// `max_concurrent`: submissions being processed at once; more are answered 503.
        public var maxConcurrent: Int
        /// `max_body_memory`: bytes of request bodies held in memory at once, over all
        /// connections; a request that would exceed it is answered 503.
        public var maxBodyMemory: Int
        /// `request_timeout`: seconds a client has to send a whole request (head and body),
        /// and that an idle keep-alive connection stays open.
        public var requestTimeout: Int
        /// `rate` and `burst`: requests per second each peer may make (a token bucket of
        /// `burst` tokens refilled at `rate` per second); more are answered 429 unread.
        public var rate: Int
        public var burst: Int
        /// `rejections_per_hour`: rejected submissions recorded per peer per hour; beyond it the
        /// peer's submissions are answered 429 unread until the budget refills, so a flood of bad
        /// input cannot fill the ledger. Refusals are counted and summarised in the log.
        public var rejectionsPerHour: Int

        public init(unix: String = "intake.sock", tcp: String = "", group: String = "", maxConnections: Int = 64,
                    maxConcurrent: Int = 8, maxBodyMemory: Int = 256 << 20, requestTimeout: Int = 30, rate: Int = 20,
                    burst: Int = 40, rejectionsPerHour: Int = 120, maxConnectionsPerPeer: Int = 16) {
            self.unix = unix
            self.maxConnectionsPerPeer = maxConnectionsPerPeer
            self.tcp = tcp
            self.group = group
            self.maxConnections = maxConnections
            self.maxConcurrent = maxConcurrent
            self.maxBodyMemory = maxBodyMemory
            self.requestTimeout = requestTimeout
            self.rate = rate
            self.burst = burst
            self.rejectionsPerHour = rejectionsPerHour
        }

        public static let maxConnectionsRange = 1...100_000
        public static let maxConcurrentRange = 1...1024
        public static let maxBodyMemoryRange = (1 << 20)...(64 << 30)
        public static let requestTimeoutRange = 1...3600
        public static let rateRange = 1...1_000_000
        public static let rejectionsPerHourRange = 1...1_000_000
    }

    /// `[alerts]`: the deadline sweeper (`return-overdue`, `meeting-due-soon`, `meeting-overdue`,
    /// `panel-due-soon`, `panel-overdue`).
    public struct Alerts: Sendable, Equatable {
        /// `soon`: working days before the meeting or Panel deadline from which it is "due soon".
        public var soon: Int
        /// `command`: run by `/bin/sh -c` with each alert's JSON on its standard input (e.g. to
        /// mail the business unit); empty for none.
        public var command: String

        public init(soon: Int = 2, command: String = "") {
            self.soon = soon
            self.command = command
        }

        public static let soonRange = 0...15
    }

    /// `[daemon]`: the running service.
    public struct Daemon: Sendable, Equatable {
        /// `shutdown_grace`: seconds that SIGTERM/SIGINT waits for inputs in flight to finish
        /// before the remaining connections are closed (their inputs are not recorded).
        public var shutdownGrace: Int

        public init(shutdownGrace: Int = 30) { self.shutdownGrace = shutdownGrace }

        public static let shutdownGraceRange = 1...3600
    }

    /// `[calendar]`: which bank holidays are not working days.
    public struct Calendar: Sendable, Equatable {
        /// `division`: a gov.uk bank-holidays division, one of `divisions`.
        public var division: String

        public init(division: String = "england-and-wales") { self.division = division }

        public static let divisions = ["england-and-wales", "scotland", "northern-ireland"]
    }

    /// `[ledger]`: publishing checkpoints.
    public struct Ledger: Sendable, Equatable {
        /// `checkpoint_command`: run by `/bin/sh -c` with each new signed checkpoint on its
        /// standard input (e.g. to mail it to the Panel or post it to a witness); empty for none.
        public var checkpointCommand: String

        public init(checkpointCommand: String = "") { self.checkpointCommand = checkpointCommand }
    }
}

/// Why `intake.toml` was rejected: a stable `code`, the key it concerns (dotted, e.g.
/// `timescales.requests`) when there is one, the 1-based line when known, and a message.
///
/// Codes: those of `TOMLError` for a malformed file, and `unknown-key`, `wrong-type`,
/// `out-of-range`, `invalid-value`, `missing-key`.
public struct SettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: String
    public let key: String?
    public let line: Int?
    public var message: String

    public init(code: String, key: String?, line: Int?, message: String) {
        self.code = code
        self.key = key
        self.line = line
        self.message = message
    }

    public var description: String {
        (line.map { "intake.toml line \($0): " } ?? "intake.toml: ") + message + " (\(code))"
    }

    public static let unknownKey = "unknown-key"
    public static let wrongType = "wrong-type"
    public static let outOfRange = "out-of-range"
    public static let invalidValue = "invalid-value"
    public static let missingKey = "missing-key"
}

extension Settings {
    static let sections = ["timescales", "policy", "pack", "listen", "calendar", "ledger", "daemon", "alerts"]

    /// Reads `intake.toml`.
    public static func parse(_ text: String) throws(SettingsError) -> Settings {
        let document: TOMLDocument
        do throws(TOMLError) {
            document = try TOML.parse(text)
        } catch {
            throw SettingsError(code: error.code, key: nil, line: error.line, message: error.message)
        }
        var settings = Settings(partnership: "", origin: "")
        var seenPartnership = false, seenOrigin = false

        for (key, entry) in sortedEntries(document.root) {
            let field = Field(key: key, entry: entry)
            switch key {
            case "partnership":
                settings.partnership = try field.string()
                seenPartnership = true
            case "origin":
                settings.origin = try field.string()
                seenOrigin = true
            default:
                if sections.contains(key) {
                    throw SettingsError(code: SettingsError.wrongType, key: key, line: entry.line,
                                        message: "\(key) must be a [\(key)] table, not a \(entry.value.typeName)")
                }
                throw field.unknown()
            }
        }

        // A table only implied by a longer header (`[a]` by `[a.b]`) is checked through it.
        let tables = document.tables.filter { !$0.key.isEmpty && $0.value.isDefined }.sorted { $0.value.line < $1.value.line }
        for (path, table) in tables {
            guard path.count == 1, sections.contains(path[0]) else {
                let name = path.joined(separator: ".")
                throw SettingsError(code: SettingsError.unknownKey, key: name, line: table.line,
                                    message: "unknown setting [\(name)]")
            }
            let section = path[0]
            for (key, entry) in sortedEntries(table) {
                let field = Field(key: section + "." + key, entry: entry)
                switch (section, key) {
                case ("timescales", "requests"): settings.timescales.requests = try field.integer(in: Timescales.range)
                case ("timescales", "returns"): settings.timescales.returns = try field.integer(in: Timescales.range)
                case ("timescales", "meeting"): settings.timescales.meeting = try field.integer(in: Timescales.range)
                case ("timescales", "panel"): settings.timescales.panel = try field.integer(in: Timescales.range)
                case ("timescales", "panel_after_meeting"):
                    settings.timescales.panelAfterMeeting = try field.integer(in: Timescales.range)
                case ("policy", "max_envelope_bytes"):
                    settings.policy.maxEnvelopeBytes = try field.integer(in: Policy.maxEnvelopeBytesRange)
                case ("policy", "max_quarantine_bytes"):
                    settings.policy.maxQuarantineBytes = try field.integer(in: Policy.maxQuarantineBytesRange)
                case ("policy", "allow_cbc"): settings.policy.allowCBC = try field.boolean()
                case ("policy", "allow_rsa_pkcs1v15"): settings.policy.allowRSAPKCS1v15 = try field.boolean()
                case ("pack", "auto_release"): settings.pack.autoRelease = try field.boolean()
                case ("listen", "unix"):
                    let unix = try field.string()
                    guard !unix.isEmpty, !unix.unicodeScalars.contains(where: isControl) else {
                        throw field.invalid("must be a non-empty path without control characters")
                    }
                    settings.listen.unix = unix
                case ("listen", "tcp"):
                    let tcp = try field.string()
                    guard tcp.isEmpty || isLoopbackHostPort(tcp) else {
                        throw field.invalid("must be empty or a loopback HOST:PORT (127.x.x.x, [::1] or localhost) with a port from 1 to 65535")
                    }
                    settings.listen.tcp = tcp
                case ("listen", "group"):
                    let group = try field.string()
                    guard group.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }) else {
                        throw field.invalid("must be a group name (letters, digits, '_', '-', '.') or empty")
                    }
                    settings.listen.group = group
                case ("listen", "max_connections"):
                    settings.listen.maxConnections = try field.integer(in: Listen.maxConnectionsRange)
                case ("listen", "max_connections_per_peer"):
                    settings.listen.maxConnectionsPerPeer = try field.integer(in: Listen.maxConnectionsRange)
                case ("listen", "max_concurrent"): settings.listen.maxConcurrent = try field.integer(in: Listen.maxConcurrentRange)
                case ("listen", "max_body_memory"): settings.listen.maxBodyMemory = try field.integer(in: Listen.maxBodyMemoryRange)
                case ("listen", "request_timeout"):
                    settings.listen.requestTimeout = try field.integer(in: Listen.requestTimeoutRange)
                case ("listen", "rate"): settings.listen.rate = try field.integer(in: Listen.rateRange)
                case ("listen", "burst"): settings.listen.burst = try field.integer(in: Listen.rateRange)
                case ("listen", "rejections_per_hour"):
                    settings.listen.rejectionsPerHour = try field.integer(in: Listen.rejectionsPerHourRange)
                case ("daemon", "shutdown_grace"): settings.daemon.shutdownGrace = try field.integer(in: Daemon.shutdownGraceRange)
                case ("alerts", "soon"): settings.alerts.soon = try field.integer(in: Alerts.soonRange)
                case ("alerts", "command"):
                    let command = try field.string()
                    guard !command.unicodeScalars.contains(where: isControl) else {
                        throw field.invalid("must be one line without control characters")
                    }
                    settings.alerts.command = command
                case ("calendar", "division"):
                    let division = try field.string()
                    guard Calendar.divisions.contains(division) else {
                        throw field.invalid("must be one of " + Calendar.divisions.joined(separator: ", "))
                    }
                    settings.calendar.division = division
                case ("ledger", "checkpoint_command"):
                    let command = try field.string()
                    guard !command.unicodeScalars.contains(where: isControl) else {
                        throw field.invalid("must be one line without control characters")
                    }
                    settings.ledger.checkpointCommand = command
                default:
                    throw field.unknown()
                }
            }
        }

        guard seenPartnership else {
            throw SettingsError(code: SettingsError.missingKey, key: "partnership", line: nil, message: "partnership is required")
        }
        guard seenOrigin else {
            throw SettingsError(code: SettingsError.missingKey, key: "origin", line: nil, message: "origin is required")
        }
        let partnershipLine = document.root.entries["partnership"]?.line
        let originLine = document.root.entries["origin"]?.line
        guard !settings.partnership.isEmpty, !settings.partnership.unicodeScalars.contains(where: isControl) else {
            throw SettingsError(code: SettingsError.invalidValue, key: "partnership", line: partnershipLine,
                                message: "partnership must be non-empty, without control characters")
        }
        guard isValidOrigin(settings.origin) else {
            throw SettingsError(code: SettingsError.invalidValue, key: "origin", line: originLine,
                                message: "origin must be non-empty, without spaces, '+' or control characters")
        }
        return settings
    }

    /// A commented `intake.toml` documenting every setting, with these two values and every
    /// other setting at its default. `parse` reads it back as `Settings(partnership:origin:)`.
    public static func defaultFile(partnership: String, origin: String) -> String {
        Settings(partnership: partnership, origin: origin).fileText()
    }

    /// A commented `intake.toml` holding these settings; `parse` reads it back as `self`.
    public func fileText() -> String {
        """
        # intake.toml: the settings of this intake home (see the intake documentation).
        # Lines starting with '#' are comments. A missing setting takes its default.

        # The safeguarding partnership's name, as shown in reports and meeting packs.
        partnership = \(TOML.quoted(partnership))
        # The ledger's checkpoint origin line (C2SP tlog-checkpoint), also the name of the
        # ledger key: unique to this ledger, without spaces or '+'. Never change it once
        # checkpoints have been published.
        origin = \(TOML.quoted(origin))

        [timescales]
        # Working days after the referral date (day 0) by which each milestone is due
        # (Monday to Friday, excluding bank holidays). Each from 0 to 100.
        # Scoping and information-sharing requests sent to every agency:
        requests = \(timescales.requests)
        # Agency returns due:
        returns = \(timescales.returns)
        # Rapid Review meeting held:
        meeting = \(timescales.meeting)
        # Child Safeguarding Practice Review Panel notified, or panel_after_meeting working
        # days after the meeting, whichever is earlier:
        panel = \(timescales.panel)
        panel_after_meeting = \(timescales.panelAfterMeeting)

        [policy]
        # Largest envelope accepted, in bytes (1 to 4294967296); larger inputs are
        # quarantined as too-large.
        max_envelope_bytes = \(policy.maxEnvelopeBytes)
        # Most bytes quarantine/ may hold (10 GiB by default; 0 keeps none). Beyond it,
        # rejections are recorded without their bytes and a quarantine-full alert is raised.
        # An input over max_envelope_bytes keeps only its first max_envelope_bytes.
        max_quarantine_bytes = \(policy.maxQuarantineBytes)
        # Accept AES-CBC content encryption (the agency's inner signature authenticates
        # the content). AES-GCM is always accepted; DES, 3DES and RC2 never are.
        allow_cbc = \(policy.allowCBC)
        # Accept RSA PKCS#1 v1.5 key transport when the intake key is RSA (what many
        # S/MIME mail clients send). RSA-OAEP is always accepted.
        allow_rsa_pkcs1v15 = \(policy.allowRSAPKCS1v15)

        [pack]
        # Release the meeting pack automatically once every expected return is complete
        # (an admin can always release it early with a recorded reason).
        auto_release = \(pack.autoRelease)

        [listen]
        # The Unix socket for HTTP, relative to the home directory (mode 0660).
        unix = \(TOML.quoted(listen.unix))
        # An optional TCP loopback listener, e.g. "127.0.0.1:8480"; empty for none. (Under
        # systemd socket activation, the sockets of intake.socket are used instead of both.)
        tcp = \(TOML.quoted(listen.tcp))
        # The group owning the Unix socket (mode 0660), e.g. the upload front end's; empty for
        # the daemon's own group.
        group = \(TOML.quoted(listen.group))
        # Open connections at once on each listener (the Unix socket and the TCP listener
        # each have this many); more are closed on arrival, and counted in the log.
        max_connections = \(listen.maxConnections)
        # Of those, how many one peer may hold: a Unix-socket peer is a uid; over TCP every
        # local user is the same peer, 127.0.0.1 (TCP is for a proxy on the same host).
        max_connections_per_peer = \(listen.maxConnectionsPerPeer)
        # Submissions processed at once; more are answered 503 with Retry-After.
        max_concurrent = \(listen.maxConcurrent)
        # Bytes of request bodies held in memory at once, over all connections; a request
        # that would exceed it is answered 503 with Retry-After.
        max_body_memory = \(listen.maxBodyMemory)
        # Seconds a client has to send a whole request; also the keep-alive idle timeout.
        request_timeout = \(listen.requestTimeout)
        # Requests per second per peer (Unix socket: per uid; TCP: per address), with bursts
        # of up to `burst`; more are answered 429 without being read.
        rate = \(listen.rate)
        burst = \(listen.burst)
        # Rejected submissions recorded per peer per hour; beyond it that peer's submissions
        # are answered 429 unread until the budget refills, and summarised in the log.
        rejections_per_hour = \(listen.rejectionsPerHour)

        [calendar]
        # The bank holidays that are not working days: "england-and-wales", "scotland"
        # or "northern-ireland".
        division = \(TOML.quoted(calendar.division))

        [ledger]
        # Every new signed checkpoint is appended to checkpoints.log in the home. A command to
        # run with each one on its standard input (by /bin/sh -c), e.g. to mail it to the
        # Panel or post it to a witness; empty for none.
        checkpoint_command = \(TOML.quoted(ledger.checkpointCommand))

        [daemon]
        # Seconds SIGTERM/SIGINT waits for inputs in flight before closing what remains.
        shutdown_grace = \(daemon.shutdownGrace)

        [alerts]
        # The daemon raises return-overdue, meeting-due-soon, meeting-overdue, panel-due-soon
        # and panel-overdue once each (a ledger event each, a log line per case). "Due soon":
        # this many working days before, or fewer.
        soon = \(alerts.soon)
        # A command run (by /bin/sh -c) once per case with its alerts' JSON on its standard
        # input, one per line, e.g. to mail the business unit; empty for none. Also given
        # quarantine-full, and alerts-held when more than 20 runs would start at once.
        command = \(TOML.quoted(alerts.command))

        """
    }

    /// The entries of `table` in file order.
    private static func sortedEntries(_ table: TOMLTable) -> [(key: String, value: TOMLTable.Entry)] {
        table.entries.sorted { ($0.value.line, $0.key) < ($1.value.line, $1.key) }
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    /// C2SP signed-note key names and tlog-checkpoint origins: no Unicode spaces and no `+`.
    static func isValidOrigin(_ origin: String) -> Bool {
        !origin.isEmpty && !origin.unicodeScalars.contains {
            $0 == "+" || isControl($0) || $0.properties.isWhitespace
        }
    }

    /// `HOST:PORT` with a loopback host (`127.x.x.x`, `[::1]`, `localhost`) and a port 1...65535.
    static func isLoopbackHostPort(_ text: String) -> Bool {
        guard isHostPort(text), let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon]
        if host == "localhost" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127"
            && octets.allSatisfy { (1...3).contains($0.count) && $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }

    /// `HOST:PORT` with a non-empty host (an IPv6 address in brackets) and a port 1...65535.
    static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let host = text[..<colon], port = text[text.index(after: colon)...]
        guard !host.isEmpty, (1...5).contains(port.count), port.allSatisfy({ $0.isASCII && $0.isNumber }),
              let number = Int(port), (1...65535).contains(number) else { return false }
        if host.hasPrefix("[") {
            return host.hasSuffix("]") && host.count > 2
        }
        return !host.contains(":") && !host.unicodeScalars.contains { isControl($0) || $0.properties.isWhitespace }
    }

    /// One key/value pair being read, for typed access with errors that name it.
    private struct Field {
        let key: String
        let entry: TOMLTable.Entry

        func wrongType(_ expected: String) -> SettingsError {
            SettingsError(code: SettingsError.wrongType, key: key, line: entry.line,
                          message: "\(key) must be \(expected), not \(Self.article(entry.value.typeName)) \(entry.value.typeName)")
        }

        static func article(_ noun: String) -> String {
            noun.first.map { "aeiou".contains($0) } == true ? "an" : "a"
        }

        func unknown() -> SettingsError {
            SettingsError(code: SettingsError.unknownKey, key: key, line: entry.line, message: "unknown setting \(key)")
        }

        func invalid(_ rule: String) -> SettingsError {
            SettingsError(code: SettingsError.invalidValue, key: key, line: entry.line, message: "\(key) \(rule)")
        }

        func string() throws(SettingsError) -> String {
            guard case .string(let value) = entry.value else { throw wrongType("a string") }
            return value
        }

        func boolean() throws(SettingsError) -> Bool {
            guard case .boolean(let value) = entry.value else { throw wrongType("true or false") }
            return value
        }

        func integer(in range: ClosedRange<Int>) throws(SettingsError) -> Int {
            guard case .integer(let value) = entry.value else { throw wrongType("an integer") }
            guard range.contains(value) else {
                throw SettingsError(code: SettingsError.outOfRange, key: key, line: entry.line,
                                    message: "\(key) must be from \(range.lowerBound) to \(range.upperBound)")
            }
            return value
        }
    }
}
