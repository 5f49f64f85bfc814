import Foundation
import Logging
import Sequencer
import ServiceLifecycle

/// The safety net of the way out. Once graceful shutdown starts (SIGTERM, SIGINT), pressod has
/// `limit` to stop by itself; if some service is still stuck then (a D-Bus peer that never
/// answers, a bug), the pump is switched off and every chamber vented from a thread of its own,
/// and the process exits with EX_SOFTWARE (70). Listed last in the group, it is the first to hear
/// of the shutdown, so no stuck service can keep it from arming.
struct ShutdownGuard: Service {
    let limit: Duration
    let sequencer: InflationSequencer
    let closeHardware: @Sendable () -> Void
    let logger: Logger

    func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled: the group is ending some other way, and every path out vents
        }
        let (limit, sequencer, closeHardware, logger) = (limit, sequencer, closeHardware, logger)
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds) + Double(limit.components.attoseconds) * 1e-18)
            logger.critical("shutdown still not finished after \(limit): venting from the guard and exiting")
            sequencer.shutDown()
            closeHardware()
            exit(70)
        }
    }
}
