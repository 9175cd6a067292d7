extension ScopingReturn {
    /// The return's completeness (DESIGN §3), its missing items in the fixed order of
    /// `MissingItem`: sign-off, involvement status, then (when involved) summary and
    /// chronology, records secured, then each attachment whose data does not match its hash.
    public var completeness: Completeness {
        var missing: [MissingItem] = []
        if signOff?.isGiven != true { missing.append(.signOff) }
        switch involvement?.status {
        case nil:
            missing.append(.involvementStatus)
        case .involved:
            if ScopingReturn.isBlank(involvement?.summary) { missing.append(.involvementSummary) }
            if chronology.isEmpty { missing.append(.chronology) }
        case .notInvolved, .notKnown:
            break
        }
        if recordsSecured?.isSecured != true { missing.append(.recordsSecured) }
        for (index, attachment) in attachments.enumerated() where !attachment.matchesHash {
            missing.append(.attachmentHashMismatch(index: index))
        }
        return Completeness(missing: missing)
    }

    /// Absent, empty, or only white space (Unicode `White_Space`): missing for completeness.
    public static func isBlank(_ text: String?) -> Bool {
        guard let text else { return true }
        return text.unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }

    /// C0 controls (U+0000...U+001F), DEL (U+007F) and C1 controls (U+0080...U+009F).
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }
}
