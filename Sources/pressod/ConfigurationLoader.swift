import ArgumentParser
import Foundation
import PressoConfig

/// Reads the configuration file, turning every problem into one line naming file, line and field
/// and the exit code sysexits.h reserves for configuration errors (EX_CONFIG, 78).
enum ConfigurationLoader {
    struct Loaded {
        var configuration: DaemonConfiguration
        /// The file read, or a note that built-in defaults are used.
        var source: String
    }

    static func load(_ options: ConfigOptions) throws -> Loaded {
        let path = options.config ?? ConfigOptions.defaultPath
        let text: String
        if FileManager.default.fileExists(atPath: path) {
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw fail("\(path): cannot be read: \(error.localizedDescription)")
            }
        } else if options.config == nil {
            // No file at the default place: a fresh machine, run with defaults (simulated pump).
            return Loaded(configuration: try parse(ConfigFile(path: path, text: "")), source: "built-in defaults (\(path) not found)")
        } else {
            throw fail("\(path): no such file")
        }
        do {
            return Loaded(configuration: try parse(ConfigFile(path: path, text: text)), source: path)
        } catch {
            throw fail("\(error)")
        }
    }

    private static func parse(_ file: @autoclosure () throws(ConfigError) -> ConfigFile) throws(ConfigError) -> DaemonConfiguration {
        try DaemonConfiguration(try file())
    }

    private static func fail(_ message: String) -> Error {
        FileHandle.standardError.write(Data("pressod: configuration error: \(message)\n".utf8))
        return ExitCode(78)
    }
}

extension DaemonConfiguration {
    /// A few lines saying what this configuration will run.
    var summary: String {
        var lines: [String] = []
        switch backend {
        case .simulated(let sim):
            lines.append("hardware: simulated pump, \(sim.layout.installedChambers) chambers, exhaust \(sim.layout.exhaust), sensing \(sim.layout.sensing)")
        case .gpio(let gpio):
            lines.append("hardware: GPIO (libgpiod), \(gpio.chambers) chambers, exhaust \(gpio.layout.exhaust), sensing \(gpio.layout.sensing)")
        }
        lines.append("pressure cap: \(sequencer.pressureCap) mmHg, control loop \(sequencer.tickRate) Hz")
        lines.append("bluetooth: adapter \(bluetooth.adapter ?? "first available"), security \(bluetooth.security.rawValue), on disconnect \(bluetooth.onDisconnect.rawValue)")
        lines.append("state directory: \(stateDirectory)")
        return lines.joined(separator: "\n")
    }
}
