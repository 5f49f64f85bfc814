import GPIO
import GPIOHardware
import Synchronization
import Testing

private func ms(_ value: Int) -> Duration { .milliseconds(value) }

@Suite struct ButtonPressClassifierTests {
    var classifier = ButtonPressClassifier(debounce: ms(30), longPress: .seconds(3))

    @Test mutating func aCleanPressAndReleaseIsAShortPressTimedFromEdgeToEdge() {
        classifier.edge(pressed: true, at: ms(1_000))
        #expect(classifier.advance(to: ms(1_040)) == [])
        #expect(classifier.isPressed)
        classifier.edge(pressed: false, at: ms(1_500))
        #expect(classifier.advance(to: ms(1_520)) == [])  // not yet stable
        #expect(classifier.advance(to: ms(1_530)) == [.shortPress(duration: ms(500))])
        #expect(classifier.advance(to: ms(9_000)) == [])
    }

    @Test mutating func contactBounceOnPressAndReleaseGivesOnePress() {
        for (time, pressed) in [(0, true), (3, false), (6, true), (9, false), (12, true)] {
            classifier.edge(pressed: pressed, at: ms(time))
        }
        #expect(classifier.advance(to: ms(100)) == [])
        for (time, pressed) in [(400, false), (404, true), (409, false)] {
            classifier.edge(pressed: pressed, at: ms(time))
        }
        #expect(classifier.advance(to: ms(500)) == [.shortPress(duration: ms(397))])
    }

    @Test mutating func edgesReadInABurstAfterADelayClassifyAsIfSeenOneByOne() {
        for (time, pressed) in [(0, true), (5, false), (8, true), (500, false), (900, true), (1_300, false)] {
            classifier.edge(pressed: pressed, at: ms(time))
        }
        #expect(classifier.advance(to: ms(5_000)) == [.shortPress(duration: ms(492)), .shortPress(duration: ms(400))])
    }

    @Test mutating func aGlitchShorterThanTheDebounceIsIgnored() {
        classifier.edge(pressed: true, at: ms(1_000))
        classifier.edge(pressed: false, at: ms(1_010))
        #expect(classifier.advance(to: ms(5_000)) == [])
        #expect(!classifier.isPressed)
    }

    @Test mutating func aLongPressIsReportedWhenTheThresholdPassesAndItsReleaseIsSilent() {
        classifier.edge(pressed: true, at: ms(0))
        #expect(classifier.advance(to: ms(2_999)) == [])
        #expect(classifier.nextDeadline == ms(3_000))
        #expect(classifier.advance(to: ms(3_000)) == [.longPress])
        #expect(classifier.advance(to: ms(4_000)) == [])
        classifier.edge(pressed: false, at: ms(5_000))
        #expect(classifier.advance(to: ms(5_100)) == [])
    }

    @Test mutating func aLongPressSeenOnlyAtItsReleaseIsStillOneLongPress() {
        classifier.edge(pressed: true, at: ms(0))
        classifier.edge(pressed: false, at: ms(4_000))
        #expect(classifier.advance(to: ms(4_100)) == [.longPress])
        #expect(classifier.advance(to: ms(9_000)) == [])
    }

    @Test func aButtonHeldWhenWatchingBeganIsNotAPressWhenReleased() {
        var classifier = ButtonPressClassifier(debounce: ms(30), longPress: .seconds(3), initiallyPressed: true, at: ms(0))
        #expect(classifier.advance(to: ms(10_000)) == [])
        classifier.edge(pressed: false, at: ms(10_000))
        #expect(classifier.advance(to: ms(10_100)) == [])
        classifier.edge(pressed: true, at: ms(11_000))
        classifier.edge(pressed: false, at: ms(11_200))
        #expect(classifier.advance(to: ms(11_300)) == [.shortPress(duration: ms(200))])
    }

    @Test mutating func aRepeatedLevelFromALostEdgeChangesNothing() {
        classifier.edge(pressed: true, at: ms(0))
        classifier.edge(pressed: true, at: ms(20))
        #expect(classifier.advance(to: ms(30)) == [])
        #expect(classifier.isPressed)
        classifier.edge(pressed: false, at: ms(200))
        #expect(classifier.advance(to: ms(300)) == [.shortPress(duration: ms(200))])
    }

    @Test mutating func nextDeadlineIsTheDebounceWhileUnsettledAndNilWhenIdle() {
        #expect(classifier.nextDeadline == nil)
        classifier.edge(pressed: true, at: ms(100))
        #expect(classifier.nextDeadline == ms(130))
        _ = classifier.advance(to: ms(130))
        #expect(classifier.nextDeadline == ms(3_100))
    }
}

/// A button line that replays edges at scripted times on the scripted clock.
final class ScriptedButtonLine: DigitalInput {
    let clock: ScriptedClock
    let edges: Mutex<[GPIOEdgeEvent]>

    init(clock: ScriptedClock, edges: [GPIOEdgeEvent]) {
        self.clock = clock
        self.edges = Mutex(edges)
    }

    func value() throws(GPIOError) -> Bool { false }
    func waitForEdge(timeout: Duration) throws(GPIOError) -> GPIOEdgeEvent? {
        let next: GPIOEdgeEvent? = edges.withLock { edges in
            guard let first = edges.first, first.timestamp <= clock.now() + timeout else { return nil }
            return edges.removeFirst()
        }
        if let next { clock.advance(to: next.timestamp) } else { clock.advance(by: timeout) }
        return next
    }
    func release() {}
}

/// Hands out one scripted button line.
final class ButtonLineProvider: GPIOLineProvider {
    let line: ScriptedButtonLine
    let requestedEdges = Mutex<GPIOEdgeDetection?>(nil)
    init(_ line: ScriptedButtonLine) { self.line = line }
    func requestOutput(_ spec: GPIOLineSpec, consumer: String, initialValue: Bool) throws(GPIOError) -> any DigitalOutput {
        throw GPIOError(.invalidArgument, operation: "request as output", subject: "\(spec)")
    }
    func requestInput(_ spec: GPIOLineSpec, consumer: String, edges: GPIOEdgeDetection) throws(GPIOError) -> any DigitalInput {
        requestedEdges.withLock { $0 = edges }
        return line
    }
}

@Suite struct GPIOButtonTests {
    @Test func reportsDebouncedShortAndLongPressesFromLineEdges() throws {
        let clock = ScriptedClock(at: .seconds(100))
        let edges: [(Int, GPIOEdgeEvent.Kind)] = [
            (100_000, .rising), (100_004, .falling), (100_008, .rising), (100_300, .falling),  // short, bouncy
            (101_000, .rising), (105_000, .falling),                                          // long
        ]
        let line = ScriptedButtonLine(clock: clock, edges: edges.map { GPIOEdgeEvent(kind: $1, timestamp: ms($0)) })
        let lines = ButtonLineProvider(line)
        let button = try GPIOButton(ButtonConfiguration(line: GPIOLineSpec(.offset(chip: "gpiochip0", offset: 27), activeLow: true, bias: .pullUp)),
                                    consumer: "pressod", lines: lines, clock: clock)
        #expect(lines.requestedEdges.withLock { $0 } == .both)
        #expect(try button.nextEvent(timeout: .seconds(10)) == .shortPress(duration: ms(292)))
        #expect(try button.nextEvent(timeout: .seconds(10)) == .longPress)
        // Reported at the threshold, while still held: 101 s + 3 s.
        #expect(clock.now() == .seconds(104))
        #expect(try button.nextEvent(timeout: .seconds(5)) == nil)
    }
}
