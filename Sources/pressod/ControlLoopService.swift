import Foundation
import Logging
import Sequencer
import ServiceLifecycle

/// Runs the sequencer's control loop for the life of the daemon. On graceful shutdown (SIGTERM,
/// SIGINT) or when another service fails, the loop is cancelled, which ends any session and
/// vents (`InflationSequencer.run`).
struct ControlLoopService: Service {
    let sequencer: InflationSequencer
    /// Called after every tick, on the loop (the systemd watchdog is fed from here).
    let onTick: @Sendable (InflationSequencer.TickReport) -> Void
    let logger: Logger

    func run() async throws {
        logger.info("control loop running at \(sequencer.config.tickRate) Hz")
        await cancelWhenGracefulShutdown {
            await sequencer.run(onTick: onTick)
        }
        sequencer.shutDown()
        logger.info("control loop stopped; pump off, chambers vented")
    }
}

/// Logs what matters to a person reading the journal: phase changes, the wave's chamber, faults.
struct SessionLogService: Service {
    let sequencer: InflationSequencer
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var last: (phase: SessionPhase, chamber: Int?, cycle: Int, fault: FaultCode?)?
            for await snapshot in sequencer.snapshots() {
                let now = (snapshot.phase, snapshot.activeChamber, snapshot.cycle, snapshot.fault?.code)
                defer { last = now }
                guard let before = last else { continue }
                if now.3 != before.fault, let fault = snapshot.fault {
                    logger.error("FAULT \(String(format: "0x%02X", fault.code.rawValue)) \(fault): pump off, chambers vented")
                }
                if now.0 != before.phase || now.1 != before.chamber || now.2 != before.cycle {
                    let chamber = snapshot.activeChamber.map { " chamber \($0)" } ?? ""
                    let pressure = snapshot.activeChamber.flatMap { snapshot.chambers[$0 - 1].measured }
                        .map { String(format: " %.0f mmHg", $0) } ?? ""
                    logger.info("\(snapshot.phase)\(chamber)\(pressure) cycle \(snapshot.cycle) remaining \(snapshot.remaining.components.seconds) s")
                }
            }
        }
    }
}
