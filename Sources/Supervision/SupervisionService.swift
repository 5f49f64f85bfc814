import Logging
import Sequencer
import ServiceLifecycle
import SystemdNotify

/// Tells the service manager how the daemon is doing (sd_notify): `READY=1` once the control
/// loop has ticked (the hardware was vented when the sequencer was built, and the services are
/// running), `STATUS=` the boots' state in one line on every change (at most one a second),
/// `STOPPING=1` when shutdown begins. The watchdog is fed from the loop (`WatchdogFeeder`).
///
/// Put it after the control loop in the `ServiceGroup` (pressod: right before its shutdown
/// guard): the group shuts services down in reverse order, so `STOPPING=1` goes out as soon as
/// SIGTERM arrives, just before the control loop stops and vents.
public struct SupervisionService: Service {
    let sequencer: InflationSequencer
    let notifier: SystemdNotifier
    let feeder: WatchdogFeeder
    let logger: Logger

    public init(sequencer: InflationSequencer, notifier: SystemdNotifier, feeder: WatchdogFeeder, logger: Logger) {
        self.sequencer = sequencer
        self.notifier = notifier
        self.feeder = feeder
        self.logger = logger
    }

    public func run() async throws {
        if let rejected = notifier.rejectedSocketPath {
            logger.warning("NOTIFY_SOCKET=\(rejected) is neither an absolute path nor @abstract: not notifying")
        }
        await cancelWhenGracefulShutdown {
            guard await feeder.firstTick() else { return }
            send("readiness") { try notifier.ready() }
            if let socket = notifier.socketPath {
                let watchdog = feeder.feedInterval.map { "fed every \($0) from the control loop" } ?? "off"
                logger.info("notified \(socket) READY=1; watchdog \(watchdog)")
            }
            await reportStatus()
        }
        send("shutdown") { try notifier.stopping() }
    }

    /// Sends the status line of every snapshot that changes it, rate-limited; a line held back
    /// by the limit goes out with the next snapshot after the spacing (the loop publishes one
    /// every tick), so the last state is never lost.
    private func reportStatus() async {
        var throttle = StatusThrottle(minimumSpacing: .seconds(1))
        for await snapshot in sequencer.snapshots() {
            if let line = throttle.offer(snapshot.statusLine, at: snapshot.time) {
                send("status") { try notifier.status(line) }
            }
        }
    }

    private func send(_ what: String, _ notification: () throws -> Void) {
        do {
            try notification()
        } catch {
            logger.warning("could not notify the service manager of \(what): \(error)")
        }
    }
}
