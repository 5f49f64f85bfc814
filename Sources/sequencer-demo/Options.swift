import Sequencer

/// Command-line options, parsed by hand: the demo depends on nothing but the sequencer and the
/// simulator.
struct Options {
    var chambers = 6
    var pressure = 80
    var duration: Duration = .seconds(120)
    var program = Program(hold: .seconds(4), release: .seconds(4), rest: .seconds(2))
    var exhaust = ExhaustLayout.perChamber
    var sensing = PressureSensing.perChamber
    var cap = 200
    var rates = [50, 200]
    var seconds = 20
    var seed: UInt64 = 1

    static let usage = """
        usage: sequencer-demo [run] [options]     watch a real-time session on the simulated pump
               sequencer-demo bench [options]     measure control-loop tick cost and jitter

        options (run):
          --chambers N        installed chambers, 1...12 (6)
          --pressure MMHG     set pressure, 20...cap (80)
          --duration T        session length: 90s, 2m (2m; the demo allows down to 10 s)
          --program P         wave | gradient[:PERCENT] | boost[:CHAMBER,CHAMBER...[:MMHG]] (wave)
          --hold T --release T --rest T     cycle timing (4s, 4s, 2s)
          --warmup CYCLES     warm-up ramp from 50 % over CYCLES cycles
          --exhaust E         per-chamber | manifold (per-chamber)
          --sensing S         per-chamber | manifold | none (per-chamber)
          --cap MMHG          hard pressure cap, <= 250 (200)
          --seed N            sensor noise seed (1)
        options (bench):
          --rates R,R         loop rates in Hz (50,200)
          --seconds N         real-time seconds per rate (20)
          --chambers N        installed chambers (6)
        """

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ arguments: ArraySlice<String>) throws {
        var args = arguments
        func value(_ flag: String) throws -> String {
            guard let v = args.popFirst() else { throw Invalid(description: "\(flag) needs a value") }
            return v
        }
        func int(_ flag: String) throws -> Int {
            let v = try value(flag)
            guard let n = Int(v) else { throw Invalid(description: "\(flag): '\(v)' is not a number") }
            return n
        }
        func time(_ flag: String) throws -> Duration {
            let v = try value(flag)
            guard let t = Options.duration(v) else { throw Invalid(description: "\(flag): '\(v)' is not a time like 90s or 2m") }
            return t
        }
        while let flag = args.popFirst() {
            switch flag {
            case "--chambers": chambers = try int(flag)
            case "--pressure": pressure = try int(flag)
            case "--duration": duration = try time(flag)
            case "--program": program.kind = try Options.program(try value(flag))
            case "--hold": program.hold = try time(flag)
            case "--release": program.release = try time(flag)
            case "--rest": program.rest = try time(flag)
            case "--warmup": program.warmUp = WarmUp(cycles: try int(flag), startPercent: 50)
            case "--exhaust":
                switch try value(flag) {
                case "per-chamber": exhaust = .perChamber
                case "manifold": exhaust = .commonManifold
                case let v: throw Invalid(description: "--exhaust: '\(v)' is not per-chamber or manifold")
                }
            case "--sensing":
                switch try value(flag) {
                case "per-chamber": sensing = .perChamber
                case "manifold": sensing = .manifold
                case "none": sensing = .none
                case let v: throw Invalid(description: "--sensing: '\(v)' is not per-chamber, manifold or none")
                }
            case "--cap": cap = try int(flag)
            case "--seed": seed = UInt64(try int(flag))
            case "--seconds": seconds = try int(flag)
            case "--rates":
                let v = try value(flag)
                let parsed = v.split(separator: ",").compactMap { Int($0) }
                guard !parsed.isEmpty else { throw Invalid(description: "--rates: '\(v)' is not like 50,200") }
                rates = parsed
            default: throw Invalid(description: "unknown option '\(flag)'")
            }
        }
        guard (1...ChamberSet.maxChambers).contains(chambers) else { throw Invalid(description: "--chambers must be 1...12") }
    }

    var layout: HardwareLayout { HardwareLayout(installedChambers: chambers, exhaust: exhaust, sensing: sensing) }

    /// "90s", "2m", "1.5m", "500ms", or plain seconds.
    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            guard let n = Double(text.dropLast(suffix.count)) else { continue }
            return .milliseconds(Int64((n * scale * 1000).rounded()))
        }
        return Double(text).map { .milliseconds(Int64(($0 * 1000).rounded())) }
    }

    static func program(_ text: String) throws -> ProgramKind {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts[0] {
        case "wave":
            return .sequentialWave
        case "gradient":
            return .gradient(stepPercent: parts.count > 1 ? Int(parts[1]) ?? -1 : 10)
        case "boost":
            var zones: ChamberSet = [ChamberSet(chamber: 1)]
            if parts.count > 1 {
                zones = []
                for c in parts[1].split(separator: ",") {
                    guard let n = Int(c), (1...ChamberSet.maxChambers).contains(n) else {
                        throw Invalid(description: "--program boost: '\(c)' is not a chamber 1...12")
                    }
                    zones.insert(ChamberSet(chamber: n))
                }
            }
            return .zoneBoost(zones: zones, boost: parts.count > 2 ? Int(parts[2]) ?? -1 : 10)
        default:
            throw Invalid(description: "--program: '\(text)' is not wave, gradient[:PERCENT] or boost[:CHAMBERS[:MMHG]]")
        }
    }
}
