import ArgumentParser
import Foundation
import Logging
import PressoConfig
import Sequencer
import ServiceLifecycle
import Supervision
import SystemdNotify

/// `pressod run` (the default): open the hardware in its safe state, restore settings, run the
/// control loop and the Bluetooth services until SIGTERM/SIGINT, then stop and vent.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the daemon (the default).")

    @OptionGroup var options: ConfigOptions

    @Option(help: "Override [daemon] state_directory.")
    var stateDirectory: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Flag(help: "Start a session at once (for demonstrations without a phone).")
    var startSession = false

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "pressod")
        let loaded = try ConfigurationLoader.load(options)
        var configuration = loaded.configuration
        if let stateDirectory { configuration.stateDirectory = stateDirectory }
        logger.info("pressod \(Pressod.version) starting; configuration: \(loaded.source)")

        let backend: HardwareBackend
        do {
            backend = try HardwareBackend.open(configuration, logger: logger)
        } catch {
            logger.critical("cannot open the pump hardware: \(error)")
            throw ExitCode(71)  // EX_OSERR
        }
        // From here on, every way out vents: the services' shutdown and this defer.
        defer { backend.close() }
        if configuration.bluetooth.security == .open {
            logger.warning("SECURITY OPEN: any central in range may control the boots; for development only")
        }
        let sequencer = try InflationSequencer(hardware: backend.hardware, config: configuration.sequencer)
        defer { sequencer.shutDown() }
        logger.info("hardware: \(backend.description); vented at start")

        try FileManager.default.createDirectory(atPath: configuration.stateDirectory, withIntermediateDirectories: true)
        let keeper = SettingsKeeper(sequencer: sequencer, stateDirectory: configuration.stateDirectory, logger: logger)
        keeper.restore()
        let localControl = LocalControlWiring(sequencer: sequencer, stateDirectory: configuration.stateDirectory, logger: logger)
        if startSession {
            try sequencer.start()
            logger.info("session started from the command line")
        }

        // systemd (Type=notify): READY/STATUS/STOPPING from SupervisionService, and WATCHDOG=1
        // from the control loop's own ticks, so a stalled loop gets the process restarted.
        let notifier = SystemdNotifier()
        let feeder = WatchdogFeeder(watchdogInterval: notifier.watchdogInterval) {
            do { try notifier.watchdog() } catch { logger.warning("could not feed the systemd watchdog: \(error)") }
        }

        let bluetooth = BluetoothControl(pairingWindow: configuration.bluetooth.pairingWindow, local: localControl.bluetooth)

        // All run at once; on SIGTERM/SIGINT they are shut down one by one in reverse order:
        // ShutdownGuard hears of it first (and vents and exits should the rest stall),
        // SupervisionService says STOPPING=1, and the control loop stops and vents — within
        // milliseconds of the signal, not after bluetoothd has answered the unregistrations.
        // The history goes just before it (a running session is recorded as "daemon stopped");
        // the session log goes after it and logs the vent. (No command turns the pump on once
        // the loop has stopped: only a tick inflates.)
        let group = ServiceGroup(
            services: [
                SessionLogService(sequencer: sequencer, logger: logger),
                keeper,
                localControl.interfaceService,
                BluetoothService(configuration: configuration, sequencer: sequencer, control: bluetooth, logger: logger),
            ] + ButtonService.forBackend(backend, sequencer: sequencer, bluetooth: bluetooth, logger: logger) + [
                ControlLoopService(sequencer: sequencer, onTick: feeder.tick, logger: logger),
                localControl.historyService,
                SupervisionService(sequencer: sequencer, notifier: notifier, feeder: feeder, logger: logger),
                ShutdownGuard(limit: .seconds(4), closeHardware: backend.close, logger: logger),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        do {
            try await group.run()
        } catch {
            logger.critical("stopping on error: \(error)")
            throw error
        }
        logger.info("stopped")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
