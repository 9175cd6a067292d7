import ArgumentParser
import Foundation
import IntakeCore
import IntakeDaemon
import IntakeLedger

struct HomeOption: ParsableArguments {
    @Option(name: .long, help: "The intake home (default: $INTAKE_HOME, else /var/lib/intake).")
    var home: String?

    var layout: HomeLayout { HomeLayout.resolve(home, environment: ProcessInfo.processInfo.environment) }

    func open(readOnly: Bool = false) throws -> Home {
        try Self.open(home, readOnly: readOnly)
    }

    static func open(_ home: String?, readOnly: Bool) throws -> Home {
        let opened = try Failure.report { try Home(HomeLayout.resolve(home, environment: ProcessInfo.processInfo.environment), readOnly: readOnly) }
        if let warning = opened.settingsWarning {
            FileHandle.standardError.write(Data("intake: warning: bad-settings: \(warning)\n".utf8))
        }
        return opened
    }
}

/// One clear line on stderr, then exit 1.
enum Failure {
    static func exit(_ code: String, _ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("intake: \(code): \(message)\n".utf8))
        return ExitCode(1)
    }

    /// Runs `body`, turning the errors of our modules into one line on stderr and exit 1.
    static func report<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch {
            let (code, message) = describe(error)
            throw exit(code, message)
        }
    }

    static func reportAsync<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as ExitCode {
            throw error
        } catch {
            let (code, message) = describe(error)
            throw exit(code, message)
        }
    }

    static func describe(_ error: any Error) -> (String, String) {
        let mirror = Mirror(reflecting: error)
        let code = mirror.children.first { $0.label == "code" }?.value as? String ?? "error"
        let message = mirror.children.first { $0.label == "message" }?.value as? String
            ?? mirror.children.first { $0.label == "detail" }?.value as? String ?? "\(error)"
        return (code, message.isEmpty ? "\(error)" : message)
    }
}

func parseDate(_ text: String, option: String) throws -> LocalDate {
    guard let date = LocalDate(text) else { throw ValidationError("\(option) must be a date YYYY-MM-DD") }
    return date
}

func readFile(_ path: String) throws -> [UInt8] {
    try Failure.report {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw HomeError("unreadable", "cannot read \(path)")
        }
        return [UInt8](data)
    }
}

var isTerminal: Bool { isatty(1) == 1 }

func printTable(_ header: [String], _ rows: [[String]]) {
    for line in StatusCommand.tableLines(header, rows) { print(line) }
}
