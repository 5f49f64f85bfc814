// Round-trip method calls per second through the DBus module: one client, sequential calls,
// against (a) an object exported with this module and (b) a C echo service on bare libdbus.
// Run by scripts/bench-dbus.sh, which starts the private bus and both services.
//
//   DBusBenchmark serve ADDRESS NAME
//   DBusBenchmark client ADDRESS SWIFT_NAME C_NAME CALLS REPETITIONS
//   DBusBenchmark emit ADDRESS COUNT   (scripts/bench-notify.sh: PropertiesChanged as fast as it goes)
import DBus

#if canImport(Glibc)
    import Glibc
#endif

let path: DBusObjectPath = "/presso/bench"
let interface = "presso.bench.Echo1"

func serve(address: String, name: String) async throws {
    let connection = try await DBusConnection.connect(address: address)
    try await connection.export(
        [DBusInterface(interface, methods: [
            DBusMethod("Echo", inputs: [.init("text", "s")], outputs: [.init("text", "s")]) { call in call.arguments },
        ])], at: path)
    guard try await connection.requestName(name) == .primaryOwner else { fatalError("name \(name) taken") }
    print("ready")
    fflush(nil)
    while true { try await Task.sleep(for: .seconds(3600)) }
}

/// Calls per second for `calls` sequential Echo calls to `destination`.
func measure(_ connection: DBusConnection, _ destination: String, calls: Int) async throws -> Double {
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<calls {
        let reply = try await connection.call(
            destination: destination, path: path, interface: interface, method: "Echo", arguments: [.string("ping")])
        precondition(reply == [.string("ping")])
    }
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    return Double(calls) / seconds
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func client(address: String, swiftName: String, cName: String, calls: Int, repetitions: Int) async throws {
    let connection = try await DBusConnection.connect(address: address)
    _ = try await measure(connection, swiftName, calls: calls / 10)  // warm-up
    _ = try await measure(connection, cName, calls: calls / 10)
    var swiftRates: [Double] = []
    var cRates: [Double] = []
    for round in 1...repetitions {
        // Alternate the order so that drift in machine load hits both sides alike.
        if round % 2 == 1 {
            swiftRates.append(try await measure(connection, swiftName, calls: calls))
            cRates.append(try await measure(connection, cName, calls: calls))
        } else {
            cRates.append(try await measure(connection, cName, calls: calls))
            swiftRates.append(try await measure(connection, swiftName, calls: calls))
        }
        print("round \(round): Swift service \(Int(swiftRates.last!)) calls/s, C service \(Int(cRates.last!)) calls/s")
    }
    let swiftMedian = median(swiftRates)
    let cMedian = median(cRates)
    print("median over \(repetitions) rounds of \(calls) sequential calls:")
    print("  Swift DBus service: \(Int(swiftMedian)) calls/s")
    print("  C libdbus service:  \(Int(cMedian)) calls/s")
    print("  ratio Swift/C:      \((swiftMedian / cMedian * 100).rounded() / 100)")
    await connection.close()
}

/// Emits `count` PropertiesChanged(org.bluez.GattCharacteristic1, Value = 20 bytes) from an
/// exported-object path as fast as `emitPropertiesChanged` takes them — what a GATTNotifier does per
/// notification — then waits for a round trip to the bus, which is answered only after every
/// signal before it has been written. Prints signals/s and the process' CPU time per signal.
func emit(address: String, count: Int) async throws {
    let connection = try await DBusConnection.connect(address: address)
    let path: DBusObjectPath = "/org/presso/peripheral/app/service0/char3"
    func cpu() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
    func flush() async throws {
        _ = try await connection.call(
            destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus.Peer",
            method: "Ping", arguments: [])
    }
    var value = [UInt8](repeating: 0, count: 20)
    for n in 0..<(count / 10) {  // warm-up
        value[0] = UInt8(truncatingIfNeeded: n)
        try connection.emitPropertiesChanged(path: path, interface: "org.bluez.GattCharacteristic1", changed: ["Value": .bytes(value)])
    }
    try await flush()
    let clock = ContinuousClock()
    let cpu0 = cpu()
    let start = clock.now
    for n in 0..<count {
        value[0] = UInt8(truncatingIfNeeded: n)
        try connection.emitPropertiesChanged(path: path, interface: "org.bluez.GattCharacteristic1", changed: ["Value": .bytes(value)])
    }
    try await flush()
    let elapsed = clock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    print("signals=\(count) seconds=\(seconds) rate=\(Double(count) / seconds) cpu_us_per_signal=\((cpu() - cpu0) * 1e6 / Double(count))")
    await connection.close()
}

let arguments = CommandLine.arguments
switch arguments.dropFirst().first {
case "serve" where arguments.count == 4:
    try await serve(address: arguments[2], name: arguments[3])
case "client" where arguments.count == 7:
    try await client(
        address: arguments[2], swiftName: arguments[3], cName: arguments[4], calls: Int(arguments[5])!,
        repetitions: Int(arguments[6])!)
case "emit" where arguments.count == 4:
    try await emit(address: arguments[2], count: Int(arguments[3])!)
default:
    print("usage: DBusBenchmark serve ADDRESS NAME | client ADDRESS SWIFT_NAME C_NAME CALLS REPETITIONS | emit ADDRESS COUNT")
    exit(2)
}
