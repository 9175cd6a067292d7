/// `pack.html`: the meeting pack as a page a chair can read and print. Semantic HTML with its
/// own screen and print stylesheet, no script and no external resource (a strict
/// Content-Security-Policy says so to the browser too), and every piece of agency text
/// escaped (`HTML.escape`): a return cannot inject markup.
public enum MeetingPackHTML {
    public static func render(_ input: MeetingPack.Input) -> String {
        let status = input.status
        var page = """
        <!DOCTYPE html>
        <html lang="en-GB">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src 'none'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Rapid Review \(e(status.caseRef)) — meeting pack \(input.number)</title>
        <style>\(style)</style>
        </head>
        <body>
        <header>
        <p class="kicker">\(e(input.partnership)) · OFFICIAL-SENSITIVE</p>
        <h1>Rapid Review \(e(status.caseRef))</h1>
        <p>Meeting pack \(input.number), released \(e(time(input.releasedAt))). Referred \(e(date(status.referred))).</p>

        """
        if let reason = input.overrideReason {
            page += "<p class=\"warning\" role=\"alert\"><strong>Released before every return was complete.</strong> "
                + "Reason recorded: \(e(reason)). Missing or incomplete: \(e(input.missing.joined(separator: ", ")))</p>\n"
        } else if !input.missing.isEmpty {
            page += "<p class=\"warning\" role=\"alert\">Missing or incomplete: \(e(input.missing.joined(separator: ", ")))</p>\n"
        }
        page += "</header>\n<main>\n"
        page += summary(input)
        page += chronology(input)
        page += actions(input)
        page += records(input)
        for item in input.returns { page += fullReturn(item) }
        page += verification(input)
        page += "</main>\n</body>\n</html>\n"
        return page
    }

    static func summary(_ input: MeetingPack.Input) -> String {
        let status = input.status
        var html = "<section id=\"summary\">\n<h2>Case summary</h2>\n<dl class=\"facts\">\n"
        html += "<dt>State at release</dt><dd>\(e(status.state.rawValue))</dd>\n"
        html += "<dt>Returns</dt><dd>\(status.completeCount) of \(status.agencies.count) complete</dd>\n</dl>\n"
        html += "<table>\n<caption>Deadlines (working days, England and Wales bank holidays excluded)</caption>\n"
        html += "<thead><tr><th scope=\"col\">Milestone</th><th scope=\"col\">Due</th><th scope=\"col\">Working days left at release</th></tr></thead>\n<tbody>\n"
        let names: [Milestone: String] = [.requests: "Scoping requests sent", .returns: "Agency returns due",
                                          .meeting: "Rapid Review meeting", .panel: "Panel notified"]
        for milestone in Milestone.allCases {
            let left = input.calendar.workingDays(from: input.releasedAt.londonDate, to: status.deadlines[milestone])
            let met = milestone == .requests && status.requestsSent
            html += "<tr><td>\(e(names[milestone] ?? milestone.rawValue))</td><td>\(e(date(status.deadlines[milestone])))</td>"
                + (met ? "<td>sent to every agency</td></tr>\n"
                    : "<td class=\"\(left < 0 ? "overdue" : "")\">\(left < 0 ? "\(-left) overdue" : "\(left)")</td></tr>\n")
        }
        html += "</tbody>\n</table>\n"
        html += "<table>\n<caption>Readiness</caption>\n<thead><tr><th scope=\"col\">Agency</th><th scope=\"col\">Return</th>"
            + "<th scope=\"col\">Version</th><th scope=\"col\">Received</th><th scope=\"col\">Missing</th></tr></thead>\n<tbody>\n"
        for agency in status.agencies {
            html += "<tr><td>\(e(agency.agencyId))</td><td>\(e(agency.state.rawValue))</td>"
                + "<td>\(agency.latest.map { "\($0.version)" } ?? "—")</td><td>\(e(agency.latest.map { time($0.receivedAt) } ?? "—"))</td>"
                + "<td>\(e(agency.latest?.completeness.codes.joined(separator: ", ") ?? "no return"))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    /// Every agency's chronology merged, ordered by date (then agency).
    static func chronology(_ input: MeetingPack.Input) -> String {
        let entries = input.returns.flatMap { item in item.document.chronology.map { (agency: item.agencyId, entry: $0) } }
            .enumerated().sorted { ($0.element.entry.date, $0.element.agency, $0.offset) < ($1.element.entry.date, $1.element.agency, $1.offset) }
            .map(\.element)
        var html = "<section id=\"chronology\">\n<h2>Multi-agency chronology</h2>\n"
        guard !entries.isEmpty else { return html + "<p>No chronology entries.</p>\n</section>\n" }
        html += "<table class=\"chronology\">\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Agency</th><th scope=\"col\">Event</th>"
            + "<th scope=\"col\">Practitioner</th><th scope=\"col\">Action</th></tr></thead>\n<tbody>\n"
        for (agency, entry) in entries {
            html += "<tr><td class=\"date\">\(e(date(entry.date)))</td><td>\(e(agency))</td><td>\(p(entry.event))</td>"
                + "<td>\(e(entry.practitionerRole ?? ""))</td><td>\(p(entry.action ?? ""))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    static func actions(_ input: MeetingPack.Input) -> String {
        var html = "<section id=\"actions\">\n<h2>Immediate safeguarding actions</h2>\n<dl>\n"
        for item in input.returns {
            html += "<dt>\(e(item.agencyId))</dt><dd>\(p(item.document.immediateSafeguardingActions ?? "None recorded."))</dd>\n"
        }
        return html + "</dl>\n</section>\n"
    }

    static func records(_ input: MeetingPack.Input) -> String {
        var html = "<section id=\"records\">\n<h2>Records secured</h2>\n<table>\n<thead><tr><th scope=\"col\">Agency</th>"
            + "<th scope=\"col\">Secured</th><th scope=\"col\">On</th><th scope=\"col\">By</th><th scope=\"col\">Reference</th></tr></thead>\n<tbody>\n"
        for item in input.returns {
            let records = item.document.recordsSecured
            html += "<tr><td>\(e(item.agencyId))</td><td class=\"\(records?.isSecured == true ? "" : "overdue")\">"
                + "\(records?.isSecured == true ? "yes" : "NOT SECURED")</td><td>\(e(records?.securedOn.map(date) ?? "—"))</td>"
                + "<td>\(e(records?.securedBy ?? "—"))</td><td>\(e(records?.reference ?? "—"))</td></tr>\n"
        }
        return html + "</tbody>\n</table>\n</section>\n"
    }

    static func fullReturn(_ item: MeetingPack.Return) -> String {
        let document = item.document
        var html = "<article class=\"return\" id=\"return-\(e(item.agencyId))\">\n"
        html += "<h2>\(e(item.agencyId)): return version \(item.record.version)</h2>\n<dl class=\"facts\">\n"
        html += "<dt>Received</dt><dd>\(e(time(item.record.receivedAt)))</dd>\n"
        html += "<dt>Completeness</dt><dd>\(item.record.completeness.isComplete ? "complete" : "incomplete: \(e(item.record.completeness.codes.joined(separator: ", ")))")</dd>\n"
        if let author = document.author {
            html += "<dt>Author</dt><dd>\(e([author.name, author.role].compactMap { $0 }.joined(separator: ", ")))</dd>\n"
        }
        if let involvement = document.involvement {
            let period = [involvement.from.map(date), involvement.to.map(date)].compactMap { $0 }.joined(separator: " to ")
            html += "<dt>Involvement</dt><dd>\(e(involvement.status?.rawValue ?? "not stated"))\(period.isEmpty ? "" : ", \(e(period))")</dd>\n"
        }
        if let signOff = document.signOff {
            html += "<dt>Signed off</dt><dd>\(e([signOff.name, signOff.role, signOff.date.map(date)].compactMap { $0 }.joined(separator: ", ")))</dd>\n"
        }
        html += "</dl>\n"
        if let summary = document.involvement?.summary { html += "<h3>Summary of involvement</h3>\n\(p(summary))\n" }
        if !document.chronology.isEmpty {
            html += "<h3>Chronology</h3>\n<table class=\"chronology\">\n<thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Event</th>"
                + "<th scope=\"col\">Practitioner</th><th scope=\"col\">Action</th></tr></thead>\n<tbody>\n"
            for entry in document.chronology {
                html += "<tr><td class=\"date\">\(e(date(entry.date)))</td><td>\(p(entry.event))</td><td>\(e(entry.practitionerRole ?? ""))</td>"
                    + "<td>\(p(entry.action ?? ""))</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        if !document.keyPracticeEpisodes.isEmpty {
            html += "<h3>Key practice episodes</h3>\n<ul>\n"
            for episode in document.keyPracticeEpisodes {
                html += "<li>\(episode.date.map { "<span class=\"date\">\(e(date($0)))</span> " } ?? "")\(p(episode.episode))"
                    + "\(episode.learning.map { "<p class=\"learning\">Learning: \(e($0))</p>" } ?? "")</li>\n"
            }
            html += "</ul>\n"
        }
        if let actions = document.immediateSafeguardingActions { html += "<h3>Immediate safeguarding actions</h3>\n\(p(actions))\n" }
        if let learning = document.learning { html += "<h3>Early learning</h3>\n\(p(learning))\n" }
        if let parallel = document.parallelProcesses {
            html += "<h3>Parallel processes</h3>\n<dl class=\"facts\">\n"
            html += "<dt>Police investigation</dt><dd>\(e(parallel.policeInvestigation?.rawValue ?? "not stated"))</dd>\n"
            html += "<dt>Coroner</dt><dd>\(e(parallel.coroner?.rawValue ?? "not stated"))</dd>\n"
            html += "<dt>Disciplinary</dt><dd>\(e(parallel.disciplinary?.rawValue ?? "not stated"))</dd>\n</dl>\n"
            if let notes = parallel.notes { html += p(notes) + "\n" }
        }
        if !document.attachments.isEmpty {
            html += "<h3>Attachments</h3>\n<table>\n<thead><tr><th scope=\"col\">File in the pack</th><th scope=\"col\">Name given</th>"
                + "<th scope=\"col\">Type</th><th scope=\"col\">Bytes</th><th scope=\"col\">SHA-256</th></tr></thead>\n<tbody>\n"
            for (position, attachment) in document.attachments.enumerated() {
                // The name as given, with controls and bidirectional overrides shown as escapes:
                // "report\u{202E}gnp.exe" must not read as "reportexe.png".
                let warning = MeetingPack.isActive(attachment)
                    ? "<br><strong class=\"warning\">Could run code if opened as it was sent: saved with .txt added, to open as text.</strong>" : ""
                html += "<tr><td><code>\(e("\(item.stem)/\(MeetingPack.attachmentFile(attachment, position: position))"))</code></td>"
                    + "<td>\(e(EscapedName.escape(attachment.name)))\(warning)</td><td>\(e(EscapedName.escape(attachment.mediaType)))</td>"
                    + "<td>\(attachment.byteCount)</td><td><code class=\"hash\">\(e(attachment.sha256))</code></td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        return html + "</article>\n"
    }

    static func verification(_ input: MeetingPack.Input) -> String {
        var html = "<section id=\"verification\">\n<h2>Verification</h2>\n"
        html += "<p>Each return below is exactly what the agency signed; its envelope is kept unaltered by the partnership, "
            + "and its ledger entry is proved by the tlog-proof beside it in this pack against the signed checkpoint.</p>\n"
        html += "<table>\n<thead><tr><th scope=\"col\">Agency</th><th scope=\"col\">Version</th><th scope=\"col\">Ledger index</th>"
            + "<th scope=\"col\">Envelope SHA-256</th><th scope=\"col\">Content SHA-256</th></tr></thead>\n<tbody>\n"
        for item in input.returns {
            html += "<tr><td>\(e(item.agencyId))</td><td>\(item.record.version)</td><td>\(item.record.ledgerIndex)</td>"
                + "<td><code class=\"hash\">\(e(item.record.envelopeSha256))</code></td><td><code class=\"hash\">\(e(item.record.contentSha256))</code></td></tr>\n"
        }
        html += "</tbody>\n</table>\n<pre class=\"checkpoint\">\(e(input.checkpoint))</pre>\n</section>\n"
        return html
    }

    /// Text as paragraphs: blank lines separate them, single newlines become line breaks.
    static func p(_ text: String) -> String {
        var paragraphs: [[Substring]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.allSatisfy(\.isWhitespace) {
                if !(paragraphs.last?.isEmpty ?? true) { paragraphs.append([]) }
            } else {
                paragraphs[paragraphs.count - 1].append(line)
            }
        }
        return paragraphs.filter { !$0.isEmpty }.map { "<p>" + $0.map { e(String($0)) }.joined(separator: "<br>") + "</p>" }.joined()
    }

    static func e(_ text: String) -> String { HTML.escape(text) }

    static func date(_ value: LocalDate) -> String {
        let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
        return "\(value.day) \(months[value.month - 1]) \(value.year)"
    }

    /// London local time, e.g. "26 November 2026, 21:03 GMT".
    static func time(_ instant: UTCInstant) -> String {
        let local = instant.secondsSinceEpoch + Int64(instant.londonOffsetSeconds)
        let seconds = Int((local % 86_400 + 86_400) % 86_400)
        let (hour, minute) = (seconds / 3600, seconds % 3600 / 60)
        return "\(date(instant.londonDate)), \(hour < 10 ? "0" : "")\(hour):\(minute < 10 ? "0" : "")\(minute) "
            + (instant.isBritishSummerTime ? "BST" : "GMT")
    }

    static let style = """

    :root { color-scheme: light; }
    body { font: 11pt/1.45 "Source Sans Pro", "Segoe UI", Arial, sans-serif; color: #111; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; }
    header { border-bottom: 3px solid #1d3557; margin-bottom: 1.5rem; }
    .kicker { text-transform: uppercase; letter-spacing: .05em; font-size: 9pt; color: #444; margin: 0; }
    h1 { font-size: 20pt; margin: .2rem 0; color: #1d3557; }
    h2 { font-size: 14pt; color: #1d3557; border-bottom: 1px solid #ccc; padding-bottom: .2rem; margin-top: 2rem; }
    h3 { font-size: 11.5pt; margin: 1.2rem 0 .3rem; }
    table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
    caption { text-align: left; font-weight: 600; padding: .3rem 0; }
    th, td { border: 1px solid #bbb; padding: .25rem .45rem; text-align: left; vertical-align: top; }
    thead th { background: #e8eef5; }
    td.date { white-space: nowrap; }
    td p { margin: 0; }
    td p + p { margin-top: .4em; }
    section > dl:not(.facts) dt { font-weight: 600; margin-top: .6rem; }
    section > dl:not(.facts) dd { margin: .1rem 0 0 1rem; }
    section > dl:not(.facts) dd p { margin: 0 0 .3em; }
    .overdue { color: #a4161a; font-weight: 700; }
    .warning { border-left: 4px solid #a4161a; background: #fff0f0; padding: .5rem .75rem; }
    dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
    dl.facts dt { font-weight: 600; }
    dl.facts dd { margin: 0; }
    code.hash { font-size: 8pt; word-break: break-all; }
    pre.checkpoint { font-size: 8pt; background: #f4f4f4; padding: .5rem; white-space: pre-wrap; word-break: break-all; }
    article.return { border-top: 3px solid #1d3557; margin-top: 2.5rem; }
    @media print {
      body { margin: 0; max-width: none; font-size: 10pt; }
      @page { size: A4; margin: 18mm 15mm; }
      h2 { break-after: avoid; }
      tr, li { break-inside: avoid; }
      article.return { break-before: page; }
      thead { display: table-header-group; }
      .warning { background: none; }
    }

    """
}

/// HTML escaping for text in elements and in quoted attributes.
public enum HTML {
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case _ where scalar.value < 0x20 && scalar != "\n" && scalar != "\t": out += "\u{FFFD}"
            case "\u{7F}": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
