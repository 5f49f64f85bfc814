import GPIOHardware
import Sequencer
import Synchronization

/// An HX710B in software, following the datasheet's rules, on a scripted clock:
/// - DOUT is high while converting and goes low when a conversion is ready;
/// - each rising clock edge shifts out the next bit (24, MSB first), then DOUT goes high;
/// - the pulse count of a read (25/26/27) sets the mode of the next conversion (100 ms at 10 Hz,
///   25 ms at 40 Hz); after power-up the chip is in the 25-pulse mode;
/// - the clock high for more than 60 µs powers it down; on the falling edge it resets into the
///   25-pulse mode and starts a fresh conversion.
/// Every line operation costs 1 µs of scripted time. `stalls` make a given pulse's high phase last
/// 100 µs, as a descheduled thread would.
final class ScriptedHX710B: HX710BLines {
    enum Conversion { case code(UInt32), neverReady }

    struct State {
        var script: [Conversion]
        var current: Conversion = .neverReady
        var readyAt: Duration = .zero
        var pulses = 0
        var clockHigh = false
        var highSince: Duration = .zero
        var readIndex = -1
        /// Pulse counts of each read, as they were clocked.
        var pulsesPerRead: [Int] = []
        /// The mode each delivered conversion was made in.
        var conversionModes: [Int] = []
        var nextMode = 25
        var resets = 0
        var stalls: Set<[Int]> = []   // [read, pulse]
    }

    let clock: ScriptedClock
    let state: Mutex<State>

    init(clock: ScriptedClock, script: [Conversion], stalls: Set<[Int]> = []) {
        self.clock = clock
        var state = State(script: script, stalls: stalls)
        Self.startConversion(&state, mode: 25, at: clock.now())
        self.state = Mutex(state)
    }

    private static func startConversion(_ state: inout State, mode: Int, at now: Duration) {
        state.current = state.script.isEmpty ? .neverReady : state.script.removeFirst()
        state.readyAt = now + (mode == 25 ? .milliseconds(100) : .milliseconds(25))
        state.pulses = 0
        state.conversionModes.append(mode)
    }

    private static func isReady(_ state: State, _ now: Duration) -> Bool {
        if case .neverReady = state.current { return false }
        return now >= state.readyAt
    }

    func dataIsHigh() throws(HardwareError) -> Bool {
        clock.advance(by: .microseconds(1))
        let now = clock.now()
        return state.withLock { state in
            switch state.pulses {
            case 0:
                return !Self.isReady(state, now)
            case 1...24:
                guard case .code(let bits) = state.current else { return true }
                return (bits >> UInt32(24 - state.pulses)) & 1 == 1
            default:
                // Read done: DOUT high until the next conversion, which follows the new mode.
                guard now >= state.readyAt else { return true }
                let readyAt = state.readyAt
                Self.startConversion(&state, mode: state.nextMode, at: now)
                state.readyAt = readyAt
                return !Self.isReady(state, now)
            }
        }
    }

    func setClock(_ high: Bool) throws(HardwareError) {
        clock.advance(by: .microseconds(1))
        let now = clock.now()
        let stall: Bool = state.withLock { state in
            if high, !state.clockHigh {
                state.clockHigh = true
                state.highSince = now
                guard Self.isReady(state, now) || state.pulses > 0 else { return false }  // converting: ignored
                if state.pulses == 0 {
                    state.readIndex += 1
                    state.pulsesPerRead.append(0)
                }
                state.pulses += 1
                state.pulsesPerRead[state.readIndex] = state.pulses
                return state.stalls.contains([state.readIndex, state.pulses])
            }
            if !high, state.clockHigh {
                state.clockHigh = false
                if now - state.highSince > .microseconds(60) {
                    state.resets += 1
                    state.nextMode = 25
                    Self.startConversion(&state, mode: 25, at: now)
                } else if state.pulses >= 25 {
                    state.nextMode = state.pulses
                    state.readyAt = now + (state.pulses == 25 ? .milliseconds(100) : .milliseconds(25))
                }
            }
            return false
        }
        if stall { clock.advance(by: .microseconds(100)) }
    }

    var snapshot: State { state.withLock { $0 } }
}

/// A data line stuck at one level, whatever the clock does.
final class StuckHX710BLines: HX710BLines {
    let dataHigh: Bool
    let clock: ScriptedClock
    init(dataHigh: Bool, clock: ScriptedClock) {
        self.dataHigh = dataHigh
        self.clock = clock
    }
    func setClock(_ high: Bool) throws(HardwareError) { clock.advance(by: .microseconds(1)) }
    func dataIsHigh() throws(HardwareError) -> Bool {
        clock.advance(by: .microseconds(1))
        return dataHigh
    }
}
