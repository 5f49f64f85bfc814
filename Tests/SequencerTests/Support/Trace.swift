@testable import Sequencer

/// The snapshots of a run, one per tick, with helpers to read the valve/pump sequence back.
struct Trace {
    var snapshots: [SequencerSnapshot] = []

    init(_ rig: Rig, for duration: Duration) {
        rig.run(for: duration) { snapshots.append($0) }
    }

    init(_ rig: Rig, until condition: (SequencerSnapshot) -> Bool, limit: Duration = .seconds(300)) {
        var collected: [SequencerSnapshot] = []
        rig.run(until: { snapshot in
            collected.append(snapshot)
            return condition(snapshot)
        }, limit: limit)
        snapshots = collected
    }

    /// Runs of consecutive ticks in the same phase (and, inflating, the same chamber).
    struct Segment {
        var phase: SessionPhase
        var chamber: Int?
        var ticks: [SequencerSnapshot]
        var start: Duration { ticks.first!.time }
        var end: Duration { ticks.last!.time }
    }

    var segments: [Segment] {
        var result: [Segment] = []
        for s in snapshots {
            if let last = result.last, last.phase == s.phase, last.chamber == s.activeChamber {
                result[result.count - 1].ticks.append(s)
            } else {
                result.append(Segment(phase: s.phase, chamber: s.activeChamber, ticks: [s]))
            }
        }
        return result
    }

    /// The segments of the first complete cycle `cycle` (inflating … resting).
    func cycle(_ number: Int) -> [Segment] {
        segments.filter { $0.ticks.first!.cycle == number && $0.phase != .venting }
    }
}
