import Foundation
import LocalControl
import PressoTestSupport
import Sequencer
import Testing

/// Sessions followed from the sequencer's snapshots, and kept on disk across crashes.
@Suite struct SessionTrackerTests {
    let rig: Rig
    init() throws {
        rig = try Rig()
        try rig.sequencer.update(.duration(.seconds(10)))
    }

    /// Steps the rig in 100 ms strides, feeding every snapshot to the tracker; returns its events.
    func follow(_ tracker: inout SessionTracker, for duration: Duration, clock start: UInt64 = 1_000_000) -> [SessionTracker.Event] {
        var events: [SessionTracker.Event] = []
        var left = duration
        repeat {
            let snapshot = rig.sequencer.snapshot
            let now = start + UInt64(snapshot.time.components.seconds)
            if let event = tracker.observe(snapshot, unixTime: now) { events.append(event) }
            rig.run(for: .milliseconds(100))
            left -= .milliseconds(100)
        } while left > .zero
        return events
    }

    func ended(_ events: [SessionTracker.Event]) -> SessionRecord? {
        for case .ended(let record) in events { return record }
        return nil
    }

    @Test func aSessionThatRunsItsTimeIsCompleted() throws {
        var tracker = SessionTracker()
        _ = follow(&tracker, for: .seconds(1))
        try rig.sequencer.update(.pressure(80))
        try rig.sequencer.start()
        let events = follow(&tracker, for: .seconds(12))
        guard case .started(let started)? = events.first else { Issue.record("\(events)"); return }
        #expect(started.started == 1_000_001 && started.pressureMmHg == 80 && started.program == "wave")
        let record = try #require(ended(events))
        #expect(record.ending == "completed" && record.durationSeconds == 10 && record.cycles >= 1)
        #expect(record.started == 1_000_001 && record.pressureMmHg == 80)
        #expect(tracker.current == nil)
    }

    @Test func stopEmergencyStopAndFaultsEndSessionsByName() throws {
        var tracker = SessionTracker()
        try rig.sequencer.start()
        _ = follow(&tracker, for: .seconds(3))
        try rig.sequencer.stop()
        #expect(ended(follow(&tracker, for: .milliseconds(100)))?.ending == "stopped")

        try rig.sequencer.start()
        _ = follow(&tracker, for: .seconds(1))
        rig.sequencer.emergencyStop()
        #expect(ended(follow(&tracker, for: .milliseconds(100)))?.ending == "emergency stop")
        try rig.sequencer.clearFault()
        #expect(follow(&tracker, for: .seconds(1)).isEmpty, "clearing a fault is not a session")
    }

    @Test func aSessionPausedWhenTheDaemonStopsEndsAsDaemonStopped() throws {
        var tracker = SessionTracker()
        try rig.sequencer.start()
        _ = follow(&tracker, for: .seconds(4))
        try rig.sequencer.pause()
        _ = follow(&tracker, for: .seconds(1))
        let record = tracker.daemonStopping(rig.sequencer.snapshot)
        #expect(record?.ending == "daemon stopped" && record?.durationSeconds == 4)
        #expect(tracker.daemonStopping(rig.sequencer.snapshot) == nil)
    }
}

@Suite struct SessionHistoryStoreTests {
    let directory: TemporaryDirectory
    init() throws { directory = try TemporaryDirectory(prefix: "presso-history") }

    func session(_ started: UInt64) -> SessionInProgress {
        SessionInProgress(started: started, elapsedSeconds: 30, program: "wave", pressureMmHg: 60, cycles: 2)
    }

    @Test func finishedSessionsSurviveARestartNewestLastAndBounded() throws {
        let history = SessionHistory(directory: directory.path, limit: 3)
        #expect(history.open().isEmpty)
        for started in UInt64(1)...5 { try history.finish(SessionRecord(session(started), ending: "completed")) }
        #expect(history.records.map(\.started) == [3, 4, 5])
        let reopened = SessionHistory(directory: directory.path, limit: 3)
        #expect(reopened.open().isEmpty)
        #expect(reopened.records == history.records)
    }

    @Test func aSessionRunningWhenTheDaemonDiedIsRecordedAsInterrupted() throws {
        let history = SessionHistory(directory: directory.path)
        _ = history.open()
        try history.mark(session(42))
        // pressod dies here; the next start finds the marker.
        let next = SessionHistory(directory: directory.path)
        let notes = next.open()
        #expect(notes.count == 1 && notes[0].contains("interrupted"), "\(notes)")
        #expect(next.records == [SessionRecord(session(42), ending: "interrupted")])
        #expect(!FileManager.default.fileExists(atPath: directory.file("session-in-progress.json")))
        #expect(SessionHistory(directory: directory.path).open().isEmpty, "recorded once")
    }

    @Test func aMarkerOfASessionAlreadyRecordedAddsNothing() throws {
        let history = SessionHistory(directory: directory.path)
        _ = history.open()
        try history.finish(SessionRecord(session(7), ending: "stopped"))
        try history.mark(session(7))  // as if the crash came between saving and removing the marker
        let next = SessionHistory(directory: directory.path)
        #expect(next.open().isEmpty)
        #expect(next.records.map(\.ending) == ["stopped"])
    }

    @Test func aCorruptHistoryIsSetAsideNotTrusted() throws {
        try "{ not json".write(toFile: directory.file("history.json"), atomically: true, encoding: .utf8)
        let history = SessionHistory(directory: directory.path)
        let notes = history.open()
        #expect(notes.count == 1 && notes[0].contains("corrupt"), "\(notes)")
        #expect(history.records.isEmpty)
        try history.finish(SessionRecord(session(1), ending: "completed"))
        let reopened = SessionHistory(directory: directory.path)
        #expect(reopened.open().isEmpty)
        #expect(reopened.records.map(\.started) == [1], "a fresh history replaces the corrupt one")
    }
}
