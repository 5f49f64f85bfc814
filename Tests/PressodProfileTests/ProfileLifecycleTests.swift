import Foundation
import Glibc
import Testing

extension PressodProfileTests {
    /// The daemon's life around the profile: settings kept across restarts, a corrupt state file
    /// set aside and reported, SIGTERM ending a session vented, and registration coming back by
    /// itself after bluetoothd restarts.
    @Suite struct Lifecycle {
        @Test func settingsWrittenOverBluetoothSurviveARestart() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                try await rig.accept("pressure", [0x5A, 0x00])   // 90 mmHg
                try await rig.accept("chambers", [0x2D, 0x00])   // chambers 1, 3, 4, 6
                try await rig.accept("timer", [0x08, 0x07])      // 1800 s
                let program: [UInt8] = [0x01, 0x14, 0x00, 0x0A, 0x00, 0x05, 0x00, 0x0A, 0x00, 0x00, 0x03, 0x32]
                try await rig.startNotify("controlPoint")
                try await rig.command([0x07] + program, expect: [0x80, 0x07, 0x01])
                let before = try await rig.settingsSnapshot()

                #expect(await rig.terminate() == .exited(0), "\(rig.currentLog)")
                try await rig.startPressod()
                #expect(rig.currentLog.contains("restored settings: 90 mmHg"), "\(rig.currentLog)")
                let after = try await rig.settingsSnapshot()
                #expect(after["pressure"] == [0x5A, 0x00])
                #expect(after["chambers"] == [0x04, 0x06, 0x2D, 0x00])
                #expect(after["timer"] == [0x08, 0x07, 0x00, 0x00, 0x08, 0x07, 0x00, 0x00])
                #expect(after["program"] == program)
                #expect(after == before)
            }
        }

        @Test func aCorruptSettingsFileIsSetAsideAndReported() async throws {
            let garbage = "{\"pressure\": 90, \"chambers\": [1, 2"   // a torn write
            try await PressodRig.with(config: pressodConfig(), prepare: { rig in
                try FileManager.default.createDirectory(atPath: rig.stateDirectory, withIntermediateDirectories: true)
                try garbage.write(toFile: rig.stateDirectory + "/settings.json", atomically: true, encoding: .utf8)
            }) { rig in
                let log = rig.currentLog
                let line = try #require(log.split(separator: "\n").first { $0.contains("settings.json are corrupt") }, "\(log)")
                let aside = try #require(line.range(of: "moved to ").map { line[$0.upperBound...].prefix { $0 != "," } })
                #expect(try String(contentsOfFile: String(aside), encoding: .utf8) == garbage, "kept for a person to read")
                // Defaults, not the torn file's values: 60 mmHg, every chamber.
                #expect(try await rig.value("pressure") == [0x3C, 0x00])
                #expect(try await rig.value("chambers") == [0x06, 0x06, 0x3F, 0x00])
            }
        }

        @Test func sigtermDuringASessionExitsZeroVented() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                let decoder = IndependentDecoder(directory: rig.directory)
                try await rig.startNotify("controlPoint")
                try await rig.command([0x01], expect: [0x80, 0x01, 0x01])
                try await eventually("inflating") {
                    let live = try await rig.liveState(decoder)
                    return live["phase"] == 2 ? live : nil
                }
                #expect(await rig.terminate() == .exited(0), "\(rig.currentLog)")
                #expect(rig.currentLog.contains("pump off, chambers vented"), "\(rig.currentLog)")
                // Its connection gone, BlueZ drops the application and the advertisement.
                let tree = try await rig.registered()
                #expect(tree.applications.isEmpty && tree.advertisements.isEmpty)
            }
        }

        @Test func aBluetoothdRestartBringsTheWholeTreeBack() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                let restarted = ContinuousClock.now
                try await rig.control("Restart", [.uint32(200)])
                try await waitUntil("the double to have dropped pressod's application") {
                    try await rig.registered().applications.isEmpty
                }
                try await rig.waitRegistered()
                // Measured, not asserted (timings belong to benchmarks): 200 ms of the double's
                // downtime plus pressod's re-registration.
                print("pressod re-registered \(ContinuousClock.now - restarted) after the double's Restart(200 ms)")
                let tree = try await rig.registered()
                #expect(tree.shape == Contract.presso.shape(bonded: false))
                #expect(tree.advertisements.count == 1)
                #expect(rig.currentLog.contains("re-registering when BlueZ is back"), "\(rig.currentLog)")
                // And it still routes: a write after the restart reaches the sequencer.
                try await rig.accept("pressure", [0x50, 0x00])
                #expect(try await rig.value("pressure") == [0x50, 0x00])
            }
        }
    }
}
