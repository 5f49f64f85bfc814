import Foundation
import Sequencer
import Testing
@testable import PressoConfig

@Suite struct DaemonConfigurationTests {
    /// The repository's own files, so the documented examples are proven to load.
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func load(_ text: String, path: String = "pressod.conf") throws -> DaemonConfiguration {
        try DaemonConfiguration(try ConfigFile(path: path, text: text))
    }

    @Test func emptyFileMeansSimulatedDefaults() throws {
        let config = try load("")
        #expect(config.bluetooth.security == .bonded)
        #expect(config.bluetooth.onDisconnect == .continue)
        #expect(config.sequencer.pressureCap == 200)
        #expect(config.stateDirectory == "/var/lib/presso")
        guard case .simulated(let sim) = config.backend else { Issue.record("expected simulator"); return }
        #expect(sim.layout == HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .manifold))
    }

    @Test func documentedExampleLoadsAsDocumented() throws {
        let path = Self.repository.appendingPathComponent("systemd/pressod.conf").path
        let config = try DaemonConfiguration(try ConfigFile(path: path, text: String(contentsOfFile: path, encoding: .utf8)))
        #expect(config == (try load("")))
    }

    @Test func safetyTimingsReachTheSequencer() throws {
        let config = try load("[safety]\nvalve_settle_ms = 250\nstall_timeout_ms = 3000\n")
        #expect(config.sequencer.inletSettle == .milliseconds(250))
        #expect(config.sequencer.maxTickGap == .seconds(3))
        #expect(try load("").sequencer.inletSettle == SequencerConfig().inletSettle)
    }

    @Test func gpioExampleSelectsTheGPIOBackend() throws {
        let path = Self.repository.appendingPathComponent("systemd/pressod-gpio.example.conf").path
        let config = try DaemonConfiguration(try ConfigFile(path: path, text: String(contentsOfFile: path, encoding: .utf8)))
        guard case .gpio(let gpio) = config.backend else { Issue.record("expected gpio"); return }
        #expect(gpio.chambers == 6)
        #expect(config.layout.installedChambers == 6)
    }

    @Test(arguments: [
        ("[safety]\nmax_pressure = 300\n", 2, "safety.max_pressure"),
        ("[bluetooth]\nsecurity = none\n", 2, "bluetooth.security"),
        ("[bluetooth]\n\n\nname = Presso-Boots-With-A-Very-Long-Name\n", 4, "bluetooth.name"),
        ("[simulator]\nchambers = 13\n", 2, "simulator.chambers"),
        ("[safety]\nmax_pressure = 120\nmax_pressur = 100\n", 3, "safety.max_pressur"),
        ("[hardware]\nchambers = 3\n[simulator]\nchambers = 3\n", 3, "[simulator]"),
        ("[safety]\nvalve_settle_ms = 1500\n", 2, "safety.valve_settle_ms"),
    ])
    func badValuesNameFileLineAndField(text: String, line: Int, field: String) {
        #expect {
            _ = try load(text, path: "/etc/presso/pressod.conf")
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.path == "/etc/presso/pressod.conf" && error.line == line && error.field == field
        }
    }

    @Test func gpioWiringErrorsAreLocatedInTheFile() throws {
        let text = """
        [hardware]
        chambers = 2
        [pump]
        line = gpiochip0:17
        [valves]
        inlet1 = gpiochip0:5
        inlet2 = gpiochip0:6
        inlet3 = gpiochip0:7
        [exhaust]
        layout = common
        line = gpiochip0:16
        """
        let error = #expect(throws: ConfigError.self) { try load(text) }
        #expect(error?.line == 8)
        #expect(error?.field == "valves.inlet3")
    }
}
