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
        /// No file at the default path: built-in defaults.
        var isDefault = false
    }

    /// One line naming what is wrong with the configuration (file, line and field).
    struct Problem: Error {
        var message: String
    }

    static func load(_ options: ConfigOptions) throws -> Loaded {
        do throws(Problem) {
            return try read(options)
        } catch {
            throw fail(error.message)
        }
    }

    /// Reads the configuration without reporting: the caller decides what a problem means.
    static func read(_ options: ConfigOptions) throws(Problem) -> Loaded {
        let path = options.config ?? ConfigOptions.defaultPath
        guard FileManager.default.fileExists(atPath: path) else {
            guard options.config == nil else { throw Problem(message: "\(path): no such file") }
            // No file at the default place: a fresh machine, run with defaults (simulated pump).
            return Loaded(configuration: try parse(path, ""), source: "built-in defaults (\(path) not found)", isDefault: true)
        }
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(message: "\(path): cannot be read: \(error.localizedDescription)")
        }
        return Loaded(configuration: try parse(path, text), source: path)
    }

    private static func parse(_ path: String, _ text: String) throws(Problem) -> DaemonConfiguration {
        do {
            return try DaemonConfiguration(try ConfigFile(path: path, text: text))
        } catch {
            throw Problem(message: "\(error)")
        }
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
