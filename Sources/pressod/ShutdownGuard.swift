import Foundation
import Logging
import ServiceLifecycle

/// The safety net of the way out. Once graceful shutdown starts (SIGTERM, SIGINT), pressod has
/// `limit` to stop by itself; if some service is still stuck then (a D-Bus peer that never
/// answers, a bug), the pump is switched off and every chamber vented from a thread of its own,
/// and the process exits with EX_SOFTWARE (70). Listed last in the group, it is the first to hear
/// of the shutdown, so no stuck service can keep it from arming.
///
/// The guard must not hang behind what stalled, so it touches nothing shared but the hardware:
/// not the sequencer (a thread may be stuck holding its lock — seen once), not Swift concurrency
/// (publishing a snapshot resumes tasks, and the runtime may be mid-teardown in `exit`). It drives
/// the hardware safe directly and leaves with `_exit`, which runs no atexit handlers. No tick can
/// drive the pump again in between: the process is gone microseconds later, and a closed GPIO
/// backend refuses to drive at all.
struct ShutdownGuard: Service {
    let limit: Duration
    let closeHardware: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is ending some other way, and every path out vents
        }
        let (limit, closeHardware, logger) = (limit, closeHardware, logger)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds) + Double(limit.components.attoseconds) * 1e-18)
            logger.critical("shutdown still not finished after \(limit): venting from the guard and exiting")
            closeHardware()
            _exit(70)
        }
    }
}
