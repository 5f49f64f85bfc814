import ArgumentParser
import Doctor
import DoctorProbes
import PressoConfig

/// `pressod doctor`: checks what the boots need on this machine, one line each with a fix.
/// Exits 1 when something blocks operation, 0 otherwise (warnings allowed).
struct DoctorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Check configuration, D-Bus, bluetoothd, the adapter, GPIO and the state directory; explain each problem and its fix.")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let report = await Doctor.examine(plan(), with: SystemProbes())
        print(report.text)
        if report.blocksOperation { throw ExitCode(report.exitCode) }
    }

    /// The checks the configuration asks for; with an invalid configuration, the defaults'
    /// adapter and state directory are still checked, the GPIO wiring is not.
    func plan() -> DoctorPlan {
        do throws(ConfigurationLoader.Problem) {
            let loaded = try ConfigurationLoader.read(options)
            let configuration = loaded.configuration
            let facts: ConfigurationFacts = loaded.isDefault
                ? .defaults(path: ConfigOptions.defaultPath)
                : .valid(path: loaded.source, summary: configuration.summary.split(separator: "\n").first.map(String.init) ?? "")
            var gpio: GPIOPlan?
            if case .gpio(let wiring) = configuration.backend {
                gpio = GPIOPlan(consumer: wiring.consumer,
                                lines: wiring.allLines.map { GPIOPlan.Line(entry: $0.entry, spec: $0.spec.description) })
            }
            return DoctorPlan(configuration: facts, adapter: configuration.bluetooth.adapter, gpio: gpio,
                              stateDirectory: configuration.stateDirectory)
        } catch {
            return DoctorPlan(configuration: .invalid(message: error.message), adapter: nil, gpio: nil,
                              stateDirectory: SystemChecks.serviceStateDirectory)
        }
    }
}
