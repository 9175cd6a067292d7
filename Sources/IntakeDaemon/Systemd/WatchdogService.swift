public import ServiceLifecycle

/// Pings systemd's watchdog (`WATCHDOG=1`) at half the interval it expects, but only while
/// `isAlive` says the daemon can still do its work (the ledger answers): a daemon that is
/// stuck stops pinging and systemd restarts it.
public struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let interval: Duration
    let isAlive: @Sendable () -> Bool

    public init(notifier: SystemdNotifier, interval: Duration, isAlive: @escaping @Sendable () -> Bool) {
        self.notifier = notifier
        self.interval = interval
        self.isAlive = isAlive
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                if isAlive() { notifier.notify("WATCHDOG=1") }
                try? await Task.sleep(for: interval / 2)
            }
        }
    }
}
