import Foundation
import Testing

extension PressodProfileTests {
    /// A whole session driven through the profile: Live State notified while the wave climbs
    /// chamber by chamber, the timer notified, the advertisement's status following, settings
    /// written while running read back at once and taken up by the next cycle, pause, resume, stop.
    @Suite struct Session {
        @Test func liveStateIsNotifiedWhileTheWaveClimbsAndVents() async throws {
            try await PressodRig.with(config: pressodConfig()) { rig in
                let decoder = IndependentDecoder(directory: rig.directory)
                try await rig.startNotify("controlPoint")
                // A short wave: 4 chambers at 20 mmHg, hold 2 s, release 1 s, no rest.
                try await rig.accept("chambers", [0x04])
                try await rig.accept("pressure", [0x14, 0x00])
                try await rig.command([0x07, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
                                      expect: [0x80, 0x07, 0x01])
                try await rig.startNotify("liveState")
                try await rig.startNotify("timer")
                try await rig.command([0x01], expect: [0x80, 0x01, 0x01])

                // Until cycle 1 has released (phase 4): every notification decoded independently.
                var states: [IndependentDecoder.Decoded] = []
                try await eventually("cycle 1 to inflate 1...4, hold and release") {
                    let values = try await rig.notifications("liveState")
                    states = try await decoder.values(values.map { ("liveState", $0) })
                    return states.contains { $0["phase"] == 4 && $0["cycle"] == 1 } ? true : nil
                }
                #expect(states.allSatisfy { $0.error == nil && $0.problems.isEmpty }, "\(states)")
                #expect(states.allSatisfy { ($0["flags"] ?? 0) & 1 == 1 }, "running throughout")
                let cycle1 = states.filter { $0["cycle"] == 1 }
                let climbing = cycle1.filter { $0["phase"] == 2 }.compactMap { $0["activeChamber"] }
                #expect(climbing.removingAdjacentDuplicates() == [1, 2, 3, 4], "wave \(climbing)")
                #expect(cycle1.filter { $0["phase"] == 2 }.allSatisfy { $0["target"] == 20 })
                let holding = try #require(cycle1.first { $0["phase"] == 3 }, "no hold: \(cycle1)")
                #expect(holding["fullMask"] == 0b1111 && holding["activeChamber"] == 0, "\(holding)")
                #expect(cycle1.last { $0["phase"] == 4 }?["fullMask"] == 0, "released: vented")
                let phases = states.compactMap { $0["phase"] }.removingAdjacentDuplicates()
                #expect(Array(phases.prefix(4)) == [1, 2, 3, 4], "venting first, then the cycle: \(phases)")

                // The timer is notified while the session runs.
                let timers = try await decoder.values(try await rig.notifications("timer", moreThan: 0).map { ("timer", $0) })
                #expect(timers.contains { ($0["elapsed"] ?? 0) >= 1 && ($0["cycles"] ?? 0) >= 1 }, "\(timers)")

                // The advertisement carries the live status.
                let tree = try await rig.registered()
                let payload = try #require((tree.advertisements.values.first?["ManufacturerData"] as? [String: [Int]])?["65535"])
                let status = try await decoder.manufacturerData(payload.map { UInt8($0) })
                #expect(status["version"] == 1 && (status["flags"] ?? 0) & 1 == 1, "\(status)")

                // A pressure change while running reads back at once, is pending (flag bit 3)
                // and reaches the targets from the next cycle.
                try await rig.accept("pressure", [0x1E, 0x00])
                #expect(try await rig.value("pressure") == [0x1E, 0x00])
                let pending = try await rig.liveState(decoder)
                #expect((pending["flags"] ?? 0) & 0b1000 != 0, "pending: \(pending)")
                let taken = try await eventually("a later cycle inflating to 30 mmHg") {
                    let values = try await rig.notifications("liveState")
                    let decoded = try await decoder.values(values.suffix(8).map { ("liveState", $0) })
                    return decoded.first { $0["phase"] == 2 && $0["target"] == 30 }
                }
                #expect((taken["flags"] ?? 0) & 0b1000 == 0 && (taken["cycle"] ?? 0) > (pending["cycle"] ?? 0), "\(taken)")

                // Pause, resume, stop.
                try await rig.command([0x02], expect: [0x80, 0x02, 0x01])
                let paused = try await rig.liveState(decoder)
                #expect(paused["phase"] == 6 && (paused["flags"] ?? 0) & 0b11 == 0b11, "paused: \(paused)")
                try await rig.command([0x03], expect: [0x80, 0x03, 0x01])
                let resumed = try await rig.liveState(decoder)
                #expect(resumed["phase"] != 6 && (resumed["flags"] ?? 0) & 0b11 == 0b01, "resumed: \(resumed)")
                try await rig.command([0x04], expect: [0x80, 0x04, 0x01])
                let stopped = try await eventually("idle after stop") {
                    let live = try await rig.liveState(decoder)
                    return live["phase"] == 0 ? live : nil
                }
                #expect(stopped["flags"] == 0 && stopped["activeChamber"] == 0 && stopped["fullMask"] == 0, "\(stopped)")
            }
        }
    }
}

extension Array where Element: Equatable {
    func removingAdjacentDuplicates() -> [Element] {
        reduce(into: []) { result, element in
            if result.last != element { result.append(element) }
        }
    }
}
