import LocalControl
import Logging
import Sequencer
import ServiceLifecycle

/// The local control interface (org.presso.Boots1) and the session history it serves, as the
/// services RunCommand adds to its group.
struct LocalControlWiring {
    /// Filled in by the Bluetooth side while it runs (pairing window, bonds); until then those
    /// methods answer NotAvailable.
    let bluetooth = BluetoothControls()
    let history: SessionHistory
    /// Records sessions; shut down before the control loop, so that a session running at
    /// SIGTERM is recorded as `daemon stopped` (not as an ordinary stop).
    let historyService: any Service
    /// org.presso.Boots1 on the system bus.
    let interfaceService: any Service

    init(sequencer: InflationSequencer, stateDirectory: String, logger: Logger) {
        history = SessionHistory(directory: stateDirectory)
        for note in history.open() { logger.warning("\(note)") }
        let history = self.history
        let object = BootsControlObject(
            sequencer: sequencer, bluetooth: bluetooth, history: { history.records.map(\.summary) }, logger: logger)
        historyService = SessionHistoryService(sequencer: sequencer, history: history, logger: logger)
        interfaceService = LocalControlService(object: object, sequencer: sequencer, logger: logger)
    }
}
