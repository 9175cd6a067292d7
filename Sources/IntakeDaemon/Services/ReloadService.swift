import IntakeCrypto
public import Logging
public import ServiceLifecycle
public import UnixSignals

/// SIGHUP reloads the agency registry, trust anchors, keys' certificates and settings
/// without dropping a connection (`Runtime.reload`); a failed reload is logged and changes
/// nothing. Also tells systemd `RELOADING=1` … `READY=1`, and `STOPPING=1` when the group
/// begins its graceful shutdown.
public struct ReloadService: Service {
    let runtime: Runtime
    let logger: Logger
    let notifier: SystemdNotifier
    let signals: UnixSignalsSequence
    let onReloaded: @Sendable () -> Void

    /// `signals` must be made (trapping SIGHUP) before the service group runs, so that a
    /// SIGHUP arriving early is not fatal.
    public init(runtime: Runtime, logger: Logger, notifier: SystemdNotifier, signals: UnixSignalsSequence,
                onReloaded: @escaping @Sendable () -> Void = {}) {
        self.runtime = runtime
        self.logger = logger
        self.notifier = notifier
        self.signals = signals
        self.onReloaded = onReloaded
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown {
                for await _ in signals {
                    reload()
                }
            }
        } onGracefulShutdown: {
            notifier.notify("STOPPING=1\nSTATUS=stopping: finishing the inputs in flight")
        }
    }

    func reload() {
        notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(UInt64(SystemClock.monotonicSeconds() * 1_000_000))")
        do {
            let needRestart = try runtime.reload()
            logger.info("reloaded", metadata: [
                "trustAnchors": "\(runtime.home.trust.anchors.count)",
                "needRestart": "\(needRestart.isEmpty ? "none" : needRestart.joined(separator: ","))",
            ])
            onReloaded()
        } catch {
            logger.error("reload failed; the previous settings stay in force", metadata: ["error": "\(errorCode(error))", "detail": "\(error)"])
        }
        notifier.notify("READY=1")
    }
}
