import Foundation
import Logging
import Sequencer
import ServiceLifecycle

/// The safety net of the way out. Once graceful shutdown starts (SIGTERM, SIGINT), pressod has
/// `limit` to stop by itself; if some service is still stuck then (a D-Bus peer that never
/// answers, a bug), the pump is switched off and every chamber vented from a thread of its own,
/// and the process exits with EX_SOFTWARE (70). Listed last in the group, it is the first to hear
/// of the shutdown, so no stuck service can keep it from arming.
///
/// The guard itself must not hang behind what stalled: it waits at most `lockPatience` for the
/// sequencer (a thread may be stuck holding its lock), then drives the hardware safe directly,
/// and leaves with `_exit`, which runs no atexit handlers and flushes no stdio locks.
struct ShutdownGuard: Service {
    let limit: Duration
    var lockPatience: Duration = .milliseconds(500)
    let sequencer: InflationSequencer
    let closeHardware: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is ending some other way, and every path out vents
        }
        let (limit, patience, sequencer, closeHardware, logger) = (limit, lockPatience, sequencer, closeHardware, logger)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: limit.seconds)
            logger.critical("shutdown still not finished after \(limit): venting from the guard and exiting")
            let deadline = Date().addingTimeInterval(patience.seconds)
            var stopped = sequencer.shutDownIfUnlocked()
            while !stopped, Date() < deadline {
                Thread.sleep(forTimeInterval: 0.001)
                stopped = sequencer.shutDownIfUnlocked()
            }
            if !stopped { logger.critical("the sequencer stayed locked for \(patience): venting the hardware directly") }
            closeHardware()
            _exit(70)
        }
    }
}

extension Duration {
    fileprivate var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
