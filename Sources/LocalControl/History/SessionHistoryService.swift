import Foundation
import Logging
import Sequencer
import ServiceLifecycle

/// Records every session in the `SessionHistory` as the sequencer runs it. Put it after the
/// control loop in the `ServiceGroup`: it shuts down first, so a session still running when
/// the daemon stops is recorded as `daemon stopped` before the loop ends it.
public struct SessionHistoryService: Service {
    let sequencer: InflationSequencer
    let history: SessionHistory
    let unixTime: @Sendable () -> UInt64
    let logger: Logger

    public init(
        sequencer: InflationSequencer, history: SessionHistory, logger: Logger,
        unixTime: @escaping @Sendable () -> UInt64 = { UInt64(max(0, Date().timeIntervalSince1970)) }
    ) {
        self.sequencer = sequencer
        self.history = history
        self.unixTime = unixTime
        self.logger = logger
    }

    public func run() async throws {
        var tracker = await cancelWhenGracefulShutdown {
            var tracker = SessionTracker()
            for await snapshot in sequencer.snapshots() {
                guard let event = tracker.observe(snapshot, unixTime: unixTime()) else { continue }
                do {
                    switch event {
                    case .started(let session), .progressed(let session):
                        try history.mark(session)
                    case .ended(let record):
                        try history.finish(record)
                        logger.info("session recorded: \(record.durationSeconds) s, \(record.program), \(record.pressureMmHg) mmHg, \(record.cycles) cycles, \(record.ending)")
                    }
                } catch {
                    logger.error("could not save the session history: \(error)")
                }
            }
            return tracker
        }
        if let record = tracker.daemonStopping(sequencer.snapshot) {
            do {
                try history.finish(record)
                logger.info("session recorded: \(record.durationSeconds) s, \(record.ending)")
            } catch {
                logger.error("could not save the session history: \(error)")
            }
        }
    }
}
