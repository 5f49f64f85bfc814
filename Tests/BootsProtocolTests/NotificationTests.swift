import BootsProtocol
import Sequencer
import Testing

/// `LiveStateThrottle` and `ProfileNotifier`: which values are notified, and when, with the time
/// passed in (no timing is measured).
@Suite struct NotificationTests {
    static let idle = LiveState(phase: 0, activeChamber: 0, measured: 0, target: 0, cycle: 0, remaining: 1200,
                                program: 0, fault: 0, flags: 0, fullMask: 0)

    func inflating(_ chamber: UInt8, measured: UInt16) -> LiveState {
        LiveState(phase: 2, activeChamber: chamber, measured: measured, target: 80, cycle: 1, remaining: 1190,
                  program: 0, fault: 0, flags: 1, fullMask: chamber > 1 ? 1 : 0)
    }

    @Test func theFirstValueIsSentAtOnceAndAnUnchangedOneNever() {
        var throttle = LiveStateThrottle()
        #expect(throttle.offer(NotificationTests.idle, at: .zero) == NotificationTests.idle)
        #expect(throttle.offer(NotificationTests.idle, at: .milliseconds(20)) == nil)
        #expect(throttle.offer(NotificationTests.idle, at: .seconds(5)) == nil)
        #expect(throttle.deadline == nil)
    }

    @Test func pressureChangesAreHeldToTenPerSecondAndTheNewestIsSentAtTheDeadline() {
        var throttle = LiveStateThrottle()
        #expect(throttle.offer(inflating(1, measured: 10), at: .zero) != nil)
        #expect(throttle.offer(inflating(1, measured: 12), at: .milliseconds(20)) == nil)
        #expect(throttle.offer(inflating(1, measured: 14), at: .milliseconds(40)) == nil)
        #expect(throttle.deadline == .milliseconds(100))
        #expect(throttle.flush(at: .milliseconds(99)) == nil)
        #expect(throttle.flush(at: .milliseconds(100)) == inflating(1, measured: 14))
        #expect(throttle.deadline == nil)
        #expect(throttle.flush(at: .milliseconds(300)) == nil, "sent once")
        // A later offer past the interval goes at once, without waiting for a flush.
        #expect(throttle.offer(inflating(1, measured: 20), at: .milliseconds(200)) == inflating(1, measured: 20))
    }

    @Test func eventsAreSentAtOnceAndReplaceAHeldPressure() {
        var throttle = LiveStateThrottle()
        _ = throttle.offer(inflating(1, measured: 10), at: .zero)
        #expect(throttle.offer(inflating(1, measured: 30), at: .milliseconds(20)) == nil)
        #expect(throttle.offer(inflating(2, measured: 31), at: .milliseconds(40)) == inflating(2, measured: 31))
        #expect(throttle.deadline == nil, "the event carried the newest pressure")
        var faulted = inflating(2, measured: 31)
        faulted.phase = 7
        faulted.fault = 1
        #expect(throttle.offer(faulted, at: .milliseconds(41)) == faulted)
    }

    @Test func everyEventFieldIsAnEvent() {
        let base = inflating(2, measured: 50)
        let changes: [(inout LiveState) -> Void] = [
            { $0.phase = 3 }, { $0.activeChamber = 3 }, { $0.cycle = 2 }, { $0.fault = 3 }, { $0.flags = 0b1001 },
            { $0.fullMask = 3 }, { $0.program = 1 },
        ]
        for change in changes {
            var throttle = LiveStateThrottle()
            _ = throttle.offer(base, at: .zero)
            var next = base
            change(&next)
            #expect(throttle.offer(next, at: .milliseconds(1)) == next)
        }
        for change in [{ (v: inout LiveState) in v.measured = 51 }, { $0.remaining = 1189 }, { $0.target = 81 }] {
            var throttle = LiveStateThrottle()
            _ = throttle.offer(base, at: .zero)
            var next = base
            change(&next)
            #expect(throttle.offer(next, at: .milliseconds(1)) == nil)
        }
    }

    @Test func aPressureThatReturnsToTheSentValueIsNotSent() {
        var throttle = LiveStateThrottle()
        _ = throttle.offer(inflating(1, measured: 10), at: .zero)
        #expect(throttle.offer(inflating(1, measured: 11), at: .milliseconds(20)) == nil)
        #expect(throttle.offer(inflating(1, measured: 10), at: .milliseconds(40)) == nil)
        #expect(throttle.deadline == nil)
        #expect(throttle.flush(at: .seconds(1)) == nil)
    }

    /// Over a long noisy run: consecutive non-event notifications are at least 100 ms apart,
    /// every event goes out when offered, and the last value offered is always sent in the end.
    @Test func aLongRunKeepsTheRateAndLosesNothing() {
        var throttle = LiveStateThrottle()
        var sent: [(LiveState, Duration)] = []
        var offered: [LiveState] = []
        var chamber: UInt8 = 1
        for tick in 0..<2000 {
            let now = Duration.milliseconds(20 * tick)
            if tick % 173 == 0 { chamber = chamber % 6 + 1 }
            let value = inflating(chamber, measured: UInt16(tick % 37))
            offered.append(value)
            if let out = throttle.flush(at: now) { sent.append((out, now)) }
            if let out = throttle.offer(value, at: now) { sent.append((out, now)) }
        }
        if let out = throttle.flush(at: .seconds(3600)) { sent.append((out, .seconds(3600))) }
        #expect(sent.last?.0 == offered.last)
        for (previous, next) in zip(sent, sent.dropFirst()) where !LiveStateThrottle.isEvent(from: previous.0, to: next.0) {
            #expect(next.1 - previous.1 >= .milliseconds(100))
        }
        let events = zip(offered, offered.dropFirst()).filter { LiveStateThrottle.isEvent(from: $0.0, to: $0.1) }.count
        #expect(sent.count >= events)
        #expect(sent.count <= events + 2000 / 5 + 1)
    }

    @Test func theNotifierSendsEveryValueFirstThenOnlyChanges() async throws {
        let rig = try BootsRig()
        var notifier = ProfileNotifier(layout: rig.sequencer.layout)
        let first = notifier.notifications(for: rig.snapshot)
        #expect(first.map(\.characteristic) == [.pressure, .chambers, .timer, .program, .liveState])
        #expect(first.allSatisfy { $0.value == (try? rig.read($0.characteristic)) })
        #expect(notifier.notifications(for: rig.snapshot).isEmpty)
        _ = rig.profile.write(.pressure, [80, 0])
        #expect(notifier.notifications(for: rig.snapshot) == [Notification(.pressure, [80, 0])])
    }

    @Test func theSessionTimerIsNotifiedOncePerSecondWhileASessionRuns() async throws {
        let rig = try BootsRig()
        var notifier = ProfileNotifier(layout: rig.sequencer.layout)
        _ = notifier.notifications(for: rig.snapshot)
        try rig.sequencer.start()
        var timerNotifications: [[UInt8]] = []
        for _ in 0..<250 {  // 5 s
            await rig.step()
            timerNotifications += notifier.notifications(for: rig.snapshot).filter { $0.characteristic == .timer }.map(\.value)
        }
        #expect(timerNotifications.map { $0[2] } == [1, 2, 3, 4, 5], "elapsed, one notification a second")
    }
}
