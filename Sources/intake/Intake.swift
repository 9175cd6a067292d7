import ArgumentParser
import IntakeDaemon

/// The executable's entry point: no core dumps and no crash backtraces, before anything is
/// read or decrypted (ProcessHardening), then the commands.
@main
enum Main {
    static func main() async {
        _ = ProcessHardening.applied
        await Intake.main()
    }
}

struct Intake: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intake",
        abstract: "Secure intake of sealed Rapid Review scoping returns, into a tamper-evident ledger.",
        discussion: """
        Agencies sign and encrypt a scoping return (stock openssl, or `intake seal`) and drop it in
        HOME/drop/new (or HOME/drop/AGENCY/new), or their upload front end posts it to the socket
        HOME/intake.sock (`intake submit`, or any HTTP client). `intake serve` verifies and decrypts each envelope,
        checks the signer and the case, keeps the envelope as received in HOME/store (or HOME/quarantine
        with a reason code), records it in the Merkle-log ledger HOME/ledger.sqlite, and updates
        readiness.

        HOME is --home, else $INTAKE_HOME, else /var/lib/intake. INTAKE_TODAY=YYYY-MM-DD sets "today"
        for deadline reports. Exit status: 0 success, 1 a failed check or rejected input (the reason
        code on stderr), 64 bad usage.

        Start with `intake demo` to see the whole journey in a temporary home.
        """,
        subcommands: [
            InitCommand.self, ServeCommand.self, DemoCommand.self, AgencyCommand.self, CaseCommand.self,
            StatusCommand.self, SealCommand.self, SubmitCommand.self, IngestCommand.self, VerifyCommand.self, CheckpointCommand.self,
            ProveCommand.self, ReceiptCommand.self, PackCommand.self, CalendarCommand.self,
        ]
    )
}
