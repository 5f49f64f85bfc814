import Glibc
import Logging
import Sequencer
import ServiceLifecycle
import SettingsStore

/// Keeps the user's settings across restarts: restores them at start-up (validated like any
/// write; a corrupt or invalid file is set aside and reported, never trusted) and saves every
/// change atomically.
struct SettingsKeeper: Service {
    let sequencer: InflationSequencer
    let file: StateFile<PersistedSettings>
    let logger: Logger

    init(sequencer: InflationSequencer, stateDirectory: String, logger: Logger) {
        self.sequencer = sequencer
        self.file = StateFile(path: stateDirectory + "/settings.json")
        self.logger = logger
    }

    /// Applies stored settings to the idle sequencer; called once before any service runs.
    func restore() {
        switch file.load() {
        case .missing:
            logger.info("no stored settings at \(file.path): using defaults")
        case .setAside(let movedTo, let reason):
            logger.error("stored settings \(file.path) are corrupt (\(reason)); moved to \(movedTo), using defaults")
        case .loaded(let stored):
            do {
                let settings = try stored.sessionSettings(layout: sequencer.layout, config: sequencer.config)
                try apply(settings)
                logger.info("restored settings: \(settings.pressure) mmHg, chambers \(settings.activeChambers), \(settings.duration.components.seconds / 60) min")
            } catch {
                let aside = setAside(reason: "\(error)")
                logger.error("stored settings \(file.path) do not fit this device (\(error)); \(aside), using defaults")
            }
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var saved = sequencer.snapshot.settings
            for await snapshot in sequencer.snapshots() {
                let wanted = snapshot.pendingSettings ?? snapshot.settings
                guard wanted != saved else { continue }
                do {
                    try file.save(PersistedSettings(wanted))
                    saved = wanted
                } catch {
                    logger.error("could not save settings: \(error)")
                }
            }
        }
    }

    private func apply(_ settings: SessionSettings) throws(SettingsError) {
        try sequencer.update(.program(settings.program))
        try sequencer.update(.activeChambers(settings.activeChambers))
        try sequencer.update(.pressure(settings.pressure))
        try sequencer.update(.duration(settings.duration))
    }

    private func setAside(reason: String) -> String {
        let aside = file.path + ".invalid"
        // Keep the file for a person to read; the next save writes a fresh one.
        return rename(file.path, aside) == 0 ? "moved to \(aside)" : "left in place"
    }
}
