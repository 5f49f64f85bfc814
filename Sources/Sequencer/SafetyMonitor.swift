/// The safety rules applied to every sample and every output, each named by the fault code it
/// raises. Pure and stateful only in what it remembers of past readings (for stuck and slew).
struct SafetyMonitor: Sendable {
    /// What the monitor must know about the tick whose outputs were in force while the sample was taken.
    struct Context {
        var now: Duration
        /// The outputs in force while the sample was taken (those of the previous tick).
        var output: ActuatorState
        /// Closed loop: the chamber whose inlet was open for inflation.
        var inflating: Int?
        /// Every chamber is venting (end of cycle): readings above `releaseStuckFloor` must fall.
        var releasing: Bool
        /// Over-pressure limit (target + margin) per chamber - 1, for chambers being inflated or
        /// sealed full this cycle; nil where only the cap applies.
        var limits: [Double?]
    }

    /// One reading and where it comes from: the manifold (0) or a chamber (1...12).
    private struct Reading { var source: Int; var value: Double }

    let layout: HardwareLayout
    let config: SequencerConfig
    /// Below this a venting chamber may legitimately read constant (it is empty).
    static let releaseStuckFloor = 20.0

    // Per source (index 0 the manifold, 1...12 the chambers): fixed arrays, no hashing per tick.
    private var previous = [Double?](repeating: nil, count: ChamberSet.maxChambers + 1)
    private var previousAt: Duration?
    private var previousInlets: ChamberSet?
    /// The first tick whose sample was taken under a new set of open inlets.
    private var inletsChangedAt: Duration?
    private var stuck = [(value: Double, since: Duration)?](repeating: nil, count: ChamberSet.maxChambers + 1)

    init(layout: HardwareLayout, config: SequencerConfig) {
        self.layout = layout
        self.config = config
    }

    /// Forgets reading history (after a pause or fault the next readings start a new story).
    mutating func reset() {
        for i in previous.indices {
            previous[i] = nil
            stuck[i] = nil
        }
        previousAt = nil
        previousInlets = nil
        inletsChangedAt = nil
    }

    /// Applies the sensor rules to one sample. Returns the first rule broken.
    mutating func check(_ sample: PressureSample, _ context: Context) -> Fault? {
        let readings: [Reading]
        switch extract(sample, at: context.now) {
        case .success(let r): readings = r
        case .failure(let fault): return fault
        }
        defer {
            for i in previous.indices { previous[i] = nil }
            for r in readings { previous[r.source] = r.value }
            previousAt = context.now
            previousInlets = context.output.openInlets
        }
        let now = context.now
        func fault(_ code: FaultCode, _ reading: Reading, _ detail: String) -> Fault {
            Fault(code: code, chamber: reading.source == 0 ? nil : reading.source, at: now, detail: detail)
        }
        // Rule "sensorOutOfRange": a reading the sensor cannot physically produce.
        for r in readings where !r.value.isFinite || !config.sensorRange.contains(r.value) {
            return fault(.sensorOutOfRange, r, "read \(r.value) mmHg, sensor range \(config.sensorRange)")
        }
        // Rule "aboveCap": anything above the hard cap, whatever the phase.
        for r in readings where r.value > Double(config.pressureCap) {
            return fault(.aboveCap, r, "read \(r.value) mmHg, cap \(config.pressureCap) mmHg")
        }
        // Rule "overPressure": a chamber being inflated or sealed full above target + margin.
        for r in readings {
            if let limit = limit(of: r.source, context), r.value > limit {
                return fault(.overPressure, r, "read \(r.value) mmHg, limit \(limit) mmHg")
            }
        }
        // Rule "sensorImplausible": faster change than air can make. A manifold sensor jumps
        // legitimately when it is connected to another chamber, and that happens when the valves
        // have moved, not when they were told to: a solenoid takes 10–50 ms, two or three ticks
        // (`inletSettle`). So the manifold is not judged until `inletSettle` after the open inlets
        // changed. Judging only the first tick faulted a healthy run on gpio-sim (the plant saw
        // the new valves a tick late: "changed 56.4 mmHg in 0.0166 s"), as a slow valve would.
        if previousInlets != context.output.openInlets { inletsChangedAt = now }
        let manifoldSettling = inletsChangedAt.map { now - $0 <= config.inletSettle } ?? true
        if let before = previousAt, now > before {
            let dt = Double((now - before) / .milliseconds(1)) / 1000
            for r in readings {
                guard let last = previous[r.source] else { continue }
                if r.source == 0 && manifoldSettling { continue }
                let change = abs(r.value - last)
                if change > config.maxSlewRate * dt + config.slewNoiseAllowance {
                    return fault(.sensorImplausible, r, "changed \(change) mmHg in \(dt) s, limit \(config.maxSlewRate) mmHg/s")
                }
            }
        }
        // Rule "sensorStuck": frozen while the pressure it measures must be changing, as seen by
        // readings taken throughout the window. After a gap of more than half the window (the
        // whole system stalled: found in an emulated board whose CPU stopped for 380 ms) the
        // first reading may predate the gap; it starts a new span rather than end one.
        let stalled = previousAt.map { now - $0 > config.stuckWindow / 2 } ?? false
        for r in readings {
            guard mustChange(r, context) else {
                stuck[r.source] = nil
                continue
            }
            if let ref = stuck[r.source], abs(r.value - ref.value) <= config.stuckTolerance, !stalled {
                if now - ref.since >= config.stuckWindow {
                    return fault(.sensorStuck, r, "frozen at \(r.value) mmHg for \(now - ref.since)")
                }
            } else {
                stuck[r.source] = (r.value, now)
            }
        }
        return nil
    }

    /// Rule "pumpIntoClosedSystem": the pump may only run with at least one inlet open.
    /// The core never commands it; this interlock catches a logic error before it reaches hardware.
    static func interlock(_ output: ActuatorState, at now: Duration) -> Fault? {
        guard output.pumpOn, output.openInlets.isEmpty else { return nil }
        return Fault(code: .pumpIntoClosedSystem, at: now, detail: "commanded \(output)")
    }

    private func extract(_ sample: PressureSample, at now: Duration) -> Result<[Reading], Fault> {
        switch layout.sensing {
        case .none:
            return .success([])
        case .manifold:
            guard let m = sample.manifold else {
                return .failure(Fault(code: .sensorFailure, at: now, detail: "no manifold reading"))
            }
            return .success([Reading(source: 0, value: m)])
        case .perChamber:
            var readings: [Reading] = []
            for chamber in layout.installed.chambers {
                guard chamber <= sample.chambers.count, let value = sample.chambers[chamber - 1] else {
                    return .failure(Fault(code: .sensorFailure, chamber: chamber, at: now,
                                          detail: "no reading for chamber \(chamber)"))
                }
                readings.append(Reading(source: chamber, value: value))
            }
            return .success(readings)
        }
    }

    private func limit(of source: Int, _ context: Context) -> Double? {
        if source != 0 { return context.limits[source - 1] }
        // The manifold reads the chambers whose inlets are open; sealed, it reads only itself.
        return context.output.openInlets.chambers.compactMap { context.limits[$0 - 1] }.max()
    }

    private func mustChange(_ r: Reading, _ context: Context) -> Bool {
        if let chamber = context.inflating, context.output.pumpOn {
            return r.source == chamber || (r.source == 0 && context.output.openInlets.contains(chamber: chamber))
        }
        if context.releasing && r.value > SafetyMonitor.releaseStuckFloor {
            if r.source != 0 { return true }
            return !context.output.openInlets.isEmpty && context.output.manifoldExhaustOpen
        }
        return false
    }
}
