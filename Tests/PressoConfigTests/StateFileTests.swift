import Foundation
import Testing
import Sequencer
import SettingsStore

@Suite struct StateFileTests {
    struct Settings: Codable, Equatable, Sendable {
        var pressure: Int
        var chambers: Int
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "presso-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func missingThenSavedThenLoaded() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = StateFile<Settings>(path: dir + "/settings.json")
        guard case .missing = store.load() else { Issue.record("expected missing"); return }
        try store.save(Settings(pressure: 80, chambers: 6))
        try store.save(Settings(pressure: 90, chambers: 6))
        guard case .loaded(let value) = store.load() else { Issue.record("expected loaded"); return }
        #expect(value == Settings(pressure: 90, chambers: 6))
        #expect(!FileManager.default.fileExists(atPath: dir + "/settings.json.tmp"))
    }

    @Test(arguments: ["{ not json", "{\"pressure\": 80}", "{\"pressure\": \"high\", \"chambers\": 3}", ""])
    func corruptFileIsSetAsideNotTrusted(contents: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/settings.json"
        try contents.write(toFile: path, atomically: false, encoding: .utf8)
        let store = StateFile<Settings>(path: path)
        guard case .setAside(let movedTo, let reason) = store.load() else { Issue.record("expected setAside"); return }
        #expect(!reason.isEmpty)
        #expect(movedTo.hasPrefix(path + ".corrupt-"))
        #expect(!FileManager.default.fileExists(atPath: path))
        // The bad bytes are kept for a person to look at, not lost.
        #expect(try String(contentsOfFile: movedTo, encoding: .utf8) == contents)
        guard case .missing = store.load() else { Issue.record("expected missing after set aside"); return }
    }

    @Test func saveIntoMissingDirectoryFailsWithPath() {
        let store = StateFile<Settings>(path: "/nonexistent-presso-dir/settings.json")
        #expect { try store.save(Settings(pressure: 1, chambers: 1)) } throws: { error in
            "\(error)".contains("/nonexistent-presso-dir/settings.json.tmp: open failed")
        }
    }
}

@Suite struct PersistedSettingsTests {
    let layout = HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .manifold)

    @Test(arguments: [
        Program(),
        Program(kind: .gradient(stepPercent: 8), hold: .seconds(20), release: .seconds(10), rest: .zero, warmUp: WarmUp(cycles: 3, startPercent: 50)),
        Program(kind: .zoneBoost(zones: [ChamberSet(chamber: 2), ChamberSet(chamber: 5)], boost: 12)),
    ])
    func roundTripsEveryProgram(program: Program) throws {
        let settings = SessionSettings(pressure: 90, activeChambers: [ChamberSet(chamber: 1), ChamberSet(chamber: 2), ChamberSet(chamber: 5)],
                                       program: program, duration: .seconds(25 * 60))
        let stored = PersistedSettings(settings)
        let decoded = try JSONDecoder().decode(PersistedSettings.self, from: JSONEncoder().encode(stored))
        #expect(try decoded.sessionSettings(layout: layout, config: SequencerConfig()) == settings)
    }

    @Test func storedValuesAreValidatedLikeAnyWrite() {
        var stored = PersistedSettings(SessionSettings.defaults(for: layout))
        stored.pressureMmHg = 240  // above the default cap of 200
        #expect(throws: PersistedSettings.Invalid.self) { try stored.sessionSettings(layout: layout, config: SequencerConfig()) }
        stored = PersistedSettings(SessionSettings.defaults(for: layout))
        stored.chambers = [7]  // boots with 6 chambers
        #expect(throws: PersistedSettings.Invalid.self) { try stored.sessionSettings(layout: layout, config: SequencerConfig()) }
        stored = PersistedSettings(SessionSettings.defaults(for: layout))
        stored.program.kind = "turbo"
        #expect(throws: PersistedSettings.Invalid.self) { try stored.sessionSettings(layout: layout, config: SequencerConfig()) }
    }
}
