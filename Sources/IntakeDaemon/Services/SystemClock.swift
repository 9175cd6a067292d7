import Glibc
public import IntakeCore

/// The one place the wall clock is read; everything else has `now` passed in.
public enum SystemClock {
    public static func now() -> UTCInstant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return UTCInstant(secondsSinceEpoch: Int64(spec.tv_sec), nanoseconds: Int32(spec.tv_nsec))
    }

    /// "Today" for deadline reports: `INTAKE_TODAY` (YYYY-MM-DD) when set, else the date in
    /// Europe/London now. It never changes a recorded time.
    public static func today(environment: [String: String]) throws -> LocalDate {
        if let text = environment["INTAKE_TODAY"], !text.isEmpty {
            guard let date = LocalDate(text) else {
                throw HomeError("bad-today", "INTAKE_TODAY must be a date YYYY-MM-DD, not \(text.prefix(20))")
            }
            return date
        }
        return now().londonDate
    }
}

extension SystemClock {
    /// Seconds on the monotonic clock, for rate limits and timeouts.
    public static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
