import ArgumentParser
import BootsControlAPI
import DBus

/// A command that is one method call without arguments, confirmed by one line.
protocol SimpleCall: AsyncParsableCommand {
    static var method: String { get }
    static var done: String { get }
}

extension SimpleCall {
    func run() async throws {
        let client = try await BootsClient.connect()
        try await client.call(Self.method)
        print(Self.done)
    }
}

struct StartCommand: SimpleCall {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start a session with the current settings.")
    static let method = "Start"
    static let done = "session started"
}

struct StopCommand: SimpleCall {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "End the session (vents every chamber).")
    static let method = "Stop"
    static let done = "session stopped; chambers venting"
}

struct PauseCommand: SimpleCall {
    static let configuration = CommandConfiguration(commandName: "pause", abstract: "Pause the session (vents, freezes the timer).")
    static let method = "Pause"
    static let done = "session paused; chambers venting"
}

struct ResumeCommand: SimpleCall {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Resume a paused session.")
    static let method = "Resume"
    static let done = "session resumed"
}

struct EmergencyStopCommand: SimpleCall {
    static let configuration = CommandConfiguration(
        commandName: "estop", abstract: "Emergency stop: vent at once and latch a fault (clear it with clear-fault).")
    static let method = "EmergencyStop"
    static let done = "EMERGENCY STOP: pump off, chambers venting; clear with: pressoctl clear-fault"
}

struct ClearFaultCommand: SimpleCall {
    static let configuration = CommandConfiguration(commandName: "clear-fault", abstract: "Clear a latched fault (the boots become idle).")
    static let method = "ClearFault"
    static let done = "fault cleared; idle"
}

/// `set pressure|chambers|duration|program`.
struct SetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Change a setting (while a session runs, from the next cycle; duration at once).",
        subcommands: [SetPressure.self, SetChambers.self, SetDuration.self, SetProgram.self])

    struct SetPressure: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pressure", abstract: "Set pressure of chamber 1, in mmHg.")
        @Argument(help: "mmHg (20-250, never above the configured cap).") var mmHg: UInt16

        func run() async throws {
            try await BootsClient.connect().call("SetPressure", [.uint16(mmHg)])
            print("pressure set to \(mmHg) mmHg")
        }
    }

    struct SetChambers: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "chambers", abstract: "Chambers taking part in the wave.")
        @Argument(help: "A count (4 = chambers 1-4) or a list (1,2,3 or 2-5 or 1-3,6; 4-4 = chamber 4 alone).")
        var selection: String

        func run() async throws {
            let chambers: [Int]
            do { chambers = try Notation.chambers(selection) } catch { throw BootsClient.usage(error.description) }
            try await BootsClient.connect().call("SetChambers", [.array(element: "q", chambers.map { .uint16(UInt16($0)) })])
            print("chambers set to \(Notation.chamberList(chambers))")
        }
    }

    struct SetDuration: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "duration", abstract: "Session length.")
        @Argument(help: "With units: 25m, 90s, 1h30m.") var duration: String

        func run() async throws {
            let seconds: Int
            do { seconds = try Notation.seconds(duration) } catch { throw BootsClient.usage(error.description) }
            try await BootsClient.connect().call("SetDuration", [.uint32(UInt32(seconds))])
            print("duration set to \(Notation.clock(seconds))")
        }
    }

    struct SetProgram: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "program", abstract: "The wave's program: wave, gradient:STEP or boost:ZONES[:MMHG].")
        @Argument(help: "wave | gradient:8 (each chamber 8 % below the last) | boost:1,3:10 (+10 mmHg on chambers 1 and 3)")
        var program: String
        @Option(help: "Seconds every chamber stays full.") var hold = 10
        @Option(help: "Seconds to vent at the end of a cycle.") var release = 8
        @Option(help: "Seconds to stay vented before the next cycle.") var rest = 4
        @Option(help: "Warm-up CYCLES:START% (e.g. 3:50: 3 cycles rising from 50 % of the targets).") var warmup: String?

        func run() async throws {
            var spec: ProgramSpec
            do { spec = try ProgramSpec(kindText: program) } catch { throw BootsClient.usage(error.description) }
            guard hold >= 0, release >= 0, rest >= 0 else { throw BootsClient.usage("hold, release and rest are seconds, not negative") }
            spec.holdSeconds = hold
            spec.releaseSeconds = release
            spec.restSeconds = rest
            if let warmup {
                let parts = warmup.split(separator: ":").compactMap { Int($0) }
                guard parts.count == 2, parts.allSatisfy({ $0 >= 0 }) else {
                    throw BootsClient.usage("--warmup takes CYCLES:START_PERCENT, like 3:50")
                }
                spec.warmUp = .init(cycles: parts[0], startPercent: parts[1])
            }
            try await BootsClient.connect().call(
                "SetProgram", [.string(spec.dbusKind), .stringVariantDictionary(spec.dbusParameters)])
            print("program set to \(spec.summary)")
        }
    }
}
