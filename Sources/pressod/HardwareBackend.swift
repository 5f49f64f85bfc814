import GPIOHardware
import Logging
import PressoConfig
import PumpSimulator
import Sequencer

/// The pump hardware the configuration names, opened in its safe state.
struct HardwareBackend {
    let hardware: any PumpHardware
    /// Vents and releases the hardware; the last step on every way out.
    let close: @Sendable () -> Void
    let description: String
    /// The start/stop button, when `[button]` is configured.
    var button: GPIOButton? = nil

    static func open(_ configuration: DaemonConfiguration, logger: Logger) throws -> HardwareBackend {
        switch configuration.backend {
        case .simulated(let settings):
            let pump = SimulatedPump(layout: settings.layout, seed: settings.seed)
            return HardwareBackend(
                hardware: pump, close: { try? pump.drive(.vented(pump.layout)) },
                description: "simulated pump (\(settings.layout.installedChambers) chambers)")
        case .gpio(let wiring):
            // Opening requests every output already at its safe level, before anything else.
            let gpio = try GPIOPumpHardware(configuration: wiring)
            let button: GPIOButton?
            do {
                button = try wiring.button.map { config throws(GPIOHardwareStartupError) in try GPIOButton(config, consumer: wiring.consumer) }
            } catch {
                try? gpio.close()
                throw error
            }
            return HardwareBackend(
                hardware: gpio,
                close: {
                    do { try gpio.close() } catch { logger.critical("venting on close failed: \(error)") }
                },
                description: "GPIO (\(wiring.chambers) chambers, consumer \(wiring.consumer))", button: button)
        }
    }
}
