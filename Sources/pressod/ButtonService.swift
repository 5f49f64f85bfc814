import Foundation
import GPIOHardware
import Logging
import Sequencer
import ServiceLifecycle
import Synchronization

/// The boots' push button (`[button]` in the configuration): a short press starts a session when
/// none runs and stops the one that runs (or is paused); a long press opens the Bluetooth
/// pairing window.
///
/// `GPIOButton.nextEvent(timeout:)` blocks, so the button is watched on a thread of its own, never
/// on Swift's cooperative pool; it looks at the shutdown flag at least every `pollTimeout`.
/// A button whose line fails ends the service with the error, which stops the daemon (vented):
/// a dead stop button must not go unnoticed.
struct ButtonService: Service {
    let button: GPIOButton
    let sequencer: InflationSequencer
    let logger: Logger
    /// Opens the pairing window. The Bluetooth service supplies it; until then the request is
    /// only logged.
    let openPairingWindow: @Sendable () -> Void
    var pollTimeout: Duration = .milliseconds(200)

    /// What a short press does in each phase.
    enum ShortPressAction: Equatable {
        case start, stop
        /// A latched fault is cleared deliberately (from the app), never by a press meant as start.
        case ignoreFaulted
    }

    /// The service for the backend's button, if it has one; a long press opens the Bluetooth
    /// pairing window (for the configured time).
    static func forBackend(_ backend: HardwareBackend, sequencer: InflationSequencer, bluetooth: BluetoothControl,
                           logger: Logger) -> [any Service] {
        guard let button = backend.button else { return [] }
        return [ButtonService(button: button, sequencer: sequencer, logger: logger, openPairingWindow: {
            Task {
                do {
                    try await bluetooth.openPairingWindow()
                } catch {
                    logger.error("pairing window not opened: \(error)")
                }
            }
        })]
    }

    static func shortPressAction(in phase: SessionPhase) -> ShortPressAction {
        switch phase {
        case .idle: .start
        case .venting, .inflating, .holding, .releasing, .resting, .paused: .stop
        case .faulted: .ignoreFaulted
        }
    }

    func run() async throws {
        let stopping = Mutex(false)
        let outcome: Result<Void, any Error> = await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { [self] in
                    continuation.resume(returning: watch(until: { stopping.withLock { $0 } }))
                }
            }
        } onCancelOrGracefulShutdown: {
            stopping.withLock { $0 = true }
        }
        if case .failure(let error) = outcome {
            logger.critical("button [button] line = \(button.configuration.line): \(error)")
            throw error
        }
    }

    /// The button thread: waits for presses and acts on them until `stop()` says so.
    private func watch(until stop: () -> Bool) -> Result<Void, any Error> {
        logger.info("button watched on \(button.configuration.line) (long press \(button.configuration.longPress))")
        while !stop() {
            do {
                guard let event = try button.nextEvent(timeout: pollTimeout) else { continue }
                handle(event)
            } catch {
                return .failure(error)
            }
        }
        return .success(())
    }

    private func handle(_ event: ButtonEvent) {
        switch event {
        case .longPress:
            logger.notice("button: long press: pairing window requested")
            openPairingWindow()
        case .shortPress(let duration):
            let held = "\(Int(duration / .milliseconds(1))) ms"
            let phase = sequencer.snapshot.phase
            do {
                switch Self.shortPressAction(in: phase) {
                case .start:
                    try sequencer.start()
                    logger.notice("button: short press (\(held)): session started")
                case .stop:
                    try sequencer.stop()
                    logger.notice("button: short press (\(held)): session stopped, chambers vented")
                case .ignoreFaulted:
                    let fault = sequencer.snapshot.fault.map { "\($0)" } ?? "a fault"
                    logger.warning("button: short press (\(held)) ignored: \(fault) is latched; clear it from the app")
                }
            } catch {
                // The phase moved between the look and the command (the timer ran out, a fault).
                logger.warning("button: short press (\(held)) in phase \(phase): \(error)")
            }
        }
    }
}
