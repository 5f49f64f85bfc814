#if canImport(Glibc)
import Glibc
#endif
import PumpSimulator
import Sequencer
import Synchronization

/// Control-loop benchmark (not a test: timings are measured here, never asserted):
/// 1. tick cost: thread CPU time of one `tick()` (read sensor, step the core, drive outputs) on
///    the simulator, the session stepped through all its phases on a stepped clock;
/// 2. real-time loop: `run()` on `ContinuousClock` at each rate for N seconds; jitter is a tick's
///    actual start minus its scheduled start.
enum Bench {
    static func run(_ options: Options) async throws {
        print("sequencer-demo bench: \(options.chambers) chambers, per-chamber exhaust and sensing, 100 mmHg wave")
        try tickCost(options, rate: 50, ticks: 200_000)
        for rate in options.rates { try await realTime(options, rate: rate) }
    }

    static func make(_ options: Options, rate: Int, clock: any Clock<Duration>) throws -> (SimulatedPump, InflationSequencer) {
        var config = SequencerConfig()
        config.tickRate = rate
        let layout = HardwareLayout(installedChambers: options.chambers, exhaust: .perChamber, sensing: .perChamber)
        let pump = SimulatedPump(layout: layout, seed: options.seed, clock: clock)
        let sequencer = try InflationSequencer(hardware: pump, config: config, clock: clock)
        try sequencer.update(.pressure(100))
        try sequencer.update(.program(Program(hold: .seconds(4), release: .seconds(4), rest: .seconds(2))))
        try sequencer.update(.duration(.seconds(3600)))
        try sequencer.start()
        return (pump, sequencer)
    }

    static func tickCost(_ options: Options, rate: Int, ticks: Int) throws {
        let clock = ManualClock()
        let (_, sequencer) = try make(options, rate: rate, clock: clock)
        let period = Duration.seconds(1) / rate
        var costs: [Duration] = []
        costs.reserveCapacity(ticks)
        for n in 0..<(ticks + 1000) {
            clock.advance(by: period)
            let before = threadCPUTime()
            sequencer.tick()
            let after = threadCPUTime()
            if n >= 1000 { costs.append(after - before) }  // the first ticks warm caches up
        }
        let s = sequencer.snapshot
        print("tick cost (thread CPU time, \(ticks) ticks = \(ticks / rate / 60) min of session, \(s.cycle) cycles, fault: \(s.fault.map { "\($0)" } ?? "none")):")
        print("  p50 \(micros(percentile(costs, 0.50)))  p99 \(micros(percentile(costs, 0.99)))  max \(micros(costs.max()!))")
    }

    static func realTime(_ options: Options, rate: Int) async throws {
        let (_, sequencer) = try make(options, rate: rate, clock: ContinuousClock())
        let reports = Mutex<[InflationSequencer.TickReport]>([])
        reports.withLock { $0.reserveCapacity(rate * options.seconds + 10) }
        let loop = Task { await sequencer.run { report in reports.withLock { $0.append(report) } } }
        try await Task.sleep(for: .seconds(options.seconds))
        loop.cancel()
        await loop.value
        let all = reports.withLock { $0 }
        let jitter = all.map { $0.started - $0.scheduled }
        let wall = all.map { $0.finished - $0.started }
        let period = Duration.seconds(1) / rate
        let late = jitter.filter { $0 > period }.count
        print("real time \(rate) Hz for \(options.seconds) s: \(all.count) ticks (expected \(rate * options.seconds + 1)), \(late) more than a period late, fault: \(sequencer.snapshot.fault.map { "\($0)" } ?? "none")")
        print("  jitter  p50 \(micros(percentile(jitter, 0.50)))  p99 \(micros(percentile(jitter, 0.99)))  max \(micros(jitter.max()!))")
        print("  tick wall time  p50 \(micros(percentile(wall, 0.50)))  p99 \(micros(percentile(wall, 0.99)))  max \(micros(wall.max()!))")
    }

    static func percentile(_ values: [Duration], _ p: Double) -> Duration {
        let sorted = values.sorted()
        return sorted[Int((Double(sorted.count - 1) * p).rounded())]
    }

    static func micros(_ d: Duration) -> String {
        let ns = d.components.seconds * 1_000_000_000 + d.components.attoseconds / 1_000_000_000
        return "\(Double(ns / 100) / 10) µs"
    }

    static func threadCPUTime() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }
}

