// gpio-sim-plant: the boots' pneumatics on the simulator side of a gpio-sim chip, for the
// hardware-in-the-loop scenario (Tests/Real/scenarios/30-gpio-hil.sh). Test-only.
//
// Every millisecond it reads the levels pressod drives on the pump and valve lines
// (`sim_gpioK/value`), integrates `PumpPhysics` with them, and writes the manifold pressure as an
// IIO voltage channel (`in_voltage0_raw` in a sysfs-shaped folder, `_scale` once), which pressod's
// IIO sensor reads: the loop is closed. Commands arrive on a FIFO, one per line:
//   press MS        the button held MS ms (the simulator side pulls the line to "pressed")
//   force MMHG      the sensor reads MMHG whatever the air does (over-pressure injection)
//   unforce         the sensor follows the air again
//   mark TEXT       an annotation in the event log
//   quit
// Events go to stdout, one per line, time = CLOCK_MONOTONIC in seconds:
//   L t name level     an output line changed (logical level: active-low applied)
//   B t down|up        the button was pressed / released
//   F t mmhg|off       forcing began / ended
//   P t manifold c1..cN reported   every 50 ms (mmHg)
//   M t text           a mark
import Glibc
import PumpSimulator
import Sequencer

struct Options {
    var lines = ""
    var iio = ""
    var control = ""
    var chambers = 6
    /// name → (offset, active-low)
    var map: [String: (offset: Int, activeLow: Bool)] = [:]
    var zeroMillivolts = 200.0
    var millivoltsPerKilopascal = 45.0
    var millivoltsPerCount = 0.001

    init(_ arguments: [String]) {
        var it = arguments.dropFirst().makeIterator()
        while let flag = it.next() {
            guard let value = it.next() else { fail("\(flag) needs a value") }
            switch flag {
            case "--lines": lines = value
            case "--iio": iio = value
            case "--control": control = value
            case "--chambers": chambers = Int(value) ?? 0
            case "--zero-mv": zeroMillivolts = Double(value) ?? .nan
            case "--mv-per-kpa": millivoltsPerKilopascal = Double(value) ?? .nan
            case "--line":   // name=offset[:active-low]
                let parts = value.split(separator: "=", maxSplits: 1)
                let spec = parts.count == 2 ? parts[1].split(separator: ":") : []
                guard let offsetText = spec.first, let offset = Int(offsetText) else { fail("bad --line \(value)") }
                map[String(parts[0])] = (offset, spec.dropFirst().contains("active-low"))
            default: fail("unknown option \(flag)")
            }
        }
        guard !lines.isEmpty, !iio.isEmpty, !control.isEmpty, (1...12).contains(chambers) else {
            fail("usage: gpio-sim-plant --lines GPIOCHIP_DIR --iio DIR --control FIFO --line NAME=OFFSET[:active-low]...")
        }
        for name in ["pump", "exhaust", "button"] + (1...chambers).map({ "inlet\($0)" }) where map[name] == nil {
            fail("no --line for \(name)")
        }
    }
}

func fail(_ message: String) -> Never {
    writeAll(2, "gpio-sim-plant: \(message)\n")
    exit(2)
}

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// Unbuffered, so the event log is complete whenever the scenario reads it.
func emit(_ line: String) { writeAll(1, line + "\n") }

func writeAll(_ fd: Int32, _ text: String) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        guard count > 0 else { return }
        bytes = bytes.dropFirst(count)
    }
}

func stamp(_ t: Double) -> String { String(format: "%.6f", t) }

/// One sysfs attribute kept open and re-read from offset 0 (sysfs regenerates it each time).
struct Attribute {
    let fd: Int32
    init(_ path: String, write: Bool = false) {
        fd = open(path, write ? O_WRONLY : O_RDONLY)
        guard fd >= 0 else { fail("\(path): \(String(cString: strerror(errno)))") }
    }
    func readLevel() -> Bool {
        var byte: UInt8 = 0
        guard pread(fd, &byte, 1, 0) == 1 else { fail("read line value: \(String(cString: strerror(errno)))") }
        return byte == UInt8(ascii: "1")
    }
    func write(_ text: String) {
        let count = text.utf8.count
        guard text.withCString({ Glibc.pwrite(fd, $0, count, 0) }) == count else {
            fail("write '\(text)': \(String(cString: strerror(errno)))")
        }
    }
}

/// Writes a whole file atomically (readers never see it half written).
func replaceFile(_ path: String, _ text: String) {
    let temporary = path + ".tmp"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    guard fd >= 0 else { fail("\(temporary): \(String(cString: strerror(errno)))") }
    _ = text.withCString { Glibc.write(fd, $0, strlen($0)) }
    close(fd)
    guard rename(temporary, path) == 0 else { fail("rename \(path): \(String(cString: strerror(errno)))") }
}

let options = Options(CommandLine.arguments)
signal(SIGPIPE, SIG_IGN)
let outputs = ["pump", "exhaust"] + (1...options.chambers).map { "inlet\($0)" }
let values = outputs.map { Attribute("\(options.lines)/sim_gpio\(options.map[$0]!.offset)/value") }
let activeLow = outputs.map { options.map[$0]!.activeLow }
let button = options.map["button"]!
let buttonPull = Attribute("\(options.lines)/sim_gpio\(button.offset)/pull", write: true)
let pressedPull = button.activeLow ? "pull-down" : "pull-up"
let releasedPull = button.activeLow ? "pull-up" : "pull-down"

// The channel pressod reads: millivolts = raw × scale (IIO ABI), pressure from its calibration.
let rawPath = options.iio + "/in_voltage0_raw"
@MainActor func rawCount(millimetresOfMercury: Double) -> Int {
    let kilopascals = millimetresOfMercury / 7.50062  // mmHg per kPa
    return Int(((options.zeroMillivolts + kilopascals * options.millivoltsPerKilopascal) / options.millivoltsPerCount).rounded())
}
replaceFile(options.iio + "/in_voltage0_scale", "\(options.millivoltsPerCount)\n")
replaceFile(rawPath, "\(rawCount(millimetresOfMercury: 0))\n")

// Commands: the FIFO is opened read-write so it never reports end-of-file between writers.
let control = open(options.control, O_RDWR | O_NONBLOCK)
guard control >= 0 else { fail("\(options.control): \(String(cString: strerror(errno)))") }
var pendingCommand: [UInt8] = []
@MainActor func nextCommands() -> [String] {
    var buffer = [UInt8](repeating: 0, count: 512)
    let count = read(control, &buffer, buffer.count)
    guard count > 0 else { return [] }
    pendingCommand += buffer[..<count]
    var commands: [String] = []
    while let newline = pendingCommand.firstIndex(of: UInt8(ascii: "\n")) {
        commands.append(String(decoding: pendingCommand[..<newline], as: UTF8.self))
        pendingCommand.removeSubrange(...newline)
    }
    return commands
}

var physics = PumpPhysics(installedChambers: options.chambers)
var levels = [Bool?](repeating: nil, count: outputs.count)
var forced: Double?
var releaseButtonAt: Double?
var lastRaw = Int.min
var lastReport = 0.0
var last = now()
emit("M \(stamp(last)) plant-ready")

/// Every output's logical level, read one line after another.
@MainActor func readLevels() -> [Bool] { values.indices.map { values[$0].readLevel() != activeLow[$0] } }

var next = timespec()
clock_gettime(CLOCK_MONOTONIC, &next)
while true {
    let t = now()
    // What pressod drives now: one line at a time, so a read can straddle pressod's own writes
    // (pump read still on, then the inlet it closed after switching the pump off: a state that
    // never was). Read until two whole reads agree: then no line moved between them, and the
    // levels are those of one instant (pressod's writes are microseconds apart; 8 tries bound it).
    var snapshot = readLevels()
    for _ in 0..<8 {
        let again = readLevels()
        if again == snapshot { break }
        snapshot = again
    }
    for (i, level) in snapshot.enumerated() {
        if levels[i] != level {
            levels[i] = level
            emit("L \(stamp(t)) \(outputs[i]) \(level ? 1 : 0)")
        }
    }
    var state = ActuatorState(pumpOn: levels[0] == true, openInlets: [], manifoldExhaustOpen: levels[1] == true)
    for chamber in 1...options.chambers where levels[1 + chamber] == true { state.openInlets.insert(ChamberSet(chamber: chamber)) }
    // At most 20 ms of air a pass: emulated on a loaded host, the plant was seen not to run for
    // 550 ms; integrating that at once moved a chamber 59 mmHg between two of pressod's samples
    // 12 ms apart (FAULT 0x07, implausible) or past target + margin (0x01). Air in real boots
    // never jumps: the simulated world slows down with its CPU instead. (A valve's move still
    // connects the manifold to a chamber at once, as it does in boots: pressod allows for that
    // for `[safety] valve_settle_ms` after it moved the valves.)
    physics.advance(by: min(t - last, 0.02), state: state, leaks: [Double](repeating: 0, count: options.chambers))
    last = t

    let reported = forced ?? physics.manifold
    let raw = rawCount(millimetresOfMercury: reported)
    if raw != lastRaw {
        replaceFile(rawPath, "\(raw)\n")
        lastRaw = raw
    }
    if t - lastReport >= 0.05 {
        lastReport = t
        let chambers = physics.chambers.map { String(format: "%.2f", $0) }.joined(separator: " ")
        emit("P \(stamp(t)) \(String(format: "%.2f", physics.manifold)) \(chambers) \(String(format: "%.2f", reported))")
    }

    if let at = releaseButtonAt, t >= at {
        buttonPull.write(releasedPull)
        emit("B \(stamp(now())) up")
        releaseButtonAt = nil
    }
    for command in nextCommands() {
        let words = command.split(separator: " ", maxSplits: 1).map(String.init)
        switch (words.first ?? "", words.count > 1 ? words[1] : "") {
        case ("press", let ms):
            guard let ms = Double(ms), releaseButtonAt == nil else { emit("M \(stamp(now())) bad-command \(command)"); continue }
            buttonPull.write(pressedPull)
            let down = now()
            emit("B \(stamp(down)) down")
            releaseButtonAt = down + ms / 1000
        case ("force", let value):
            guard let value = Double(value) else { emit("M \(stamp(now())) bad-command \(command)"); continue }
            forced = value
            replaceFile(rawPath, "\(rawCount(millimetresOfMercury: value))\n")
            lastRaw = rawCount(millimetresOfMercury: value)
            emit("F \(stamp(now())) \(value)")
        case ("unforce", _):
            forced = nil
            emit("F \(stamp(now())) off")
        case ("mark", let text):
            emit("M \(stamp(now())) \(text)")
        case ("quit", _):
            emit("M \(stamp(now())) quit")
            exit(0)
        default:
            emit("M \(stamp(now())) bad-command \(command)")
        }
    }

    // 1 kHz, on an absolute schedule; after a long stall, restart it from now.
    next.tv_nsec += 1_000_000
    if next.tv_nsec >= 1_000_000_000 { next.tv_sec += 1; next.tv_nsec -= 1_000_000_000 }
    var current = timespec()
    clock_gettime(CLOCK_MONOTONIC, &current)
    if current.tv_sec > next.tv_sec + 1 { next = current }
    while clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nil) == EINTR {}
}
