// Write → actuation latency (run by scripts/bench-actuation.sh, never by `swift test`).
//
// Wires what pressod wires for Bluetooth — BootsGATTProfile over an InflationSequencer on the
// simulated pump, served by a BluetoothPeripheral registered with the bluetoothd on the bus (the
// BlueZ double) — but the pump is wrapped in `TimedPump`, which notes the CLOCK_MONOTONIC time of
// every change of the driven outputs. A second connection in this process then plays
// bluetoothd: it subscribes to the control point's indications (StartNotify) and, per sample,
//   1. writes Start (0x01) and moves the sequencer's clock past the start-up vent and ticks once,
//      so the pump runs and chamber 1 inflates (untimed set-up);
//   2. notes t0, calls WriteValue(Stop 0x04) with bluetoothd's options, and takes t1 from the
//      pump: the drive that turned it off. Latency = t1 − t0; the reply time is also kept.
// So the figure includes the client's send path and the dbus-daemon hop: an upper bound of
// "WriteValue reaching pressod → valves and pump changed". The same samples are then taken
// calling the characteristic's write handler directly (no D-Bus), which isolates the profile,
// the sequencer and the drive.
//
// The sequencer's clock is stepped by hand, tick by tick (the start-up vent is 2 s of real time
// otherwise), so the control loop does not run on its own here: its ticks never contend with the
// timed write for the sequencer's lock.
//
//   ActuationBenchmark ADDRESS SAMPLES   (prints p50/p90/p99/max in µs)
import BlueZ
import BootsProfile
import BootsProtocol
import DBus
import Logging
import PumpSimulator
import Sequencer
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

func monotonicNanoseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
}

/// The simulated pump, timing every change of the outputs it is driven to.
final class TimedPump: PumpHardware {
    let inner: SimulatedPump
    var layout: HardwareLayout { inner.layout }
    /// CLOCK_MONOTONIC ns of the last drive that turned the pump off.
    private let pumpOff = Mutex<(last: ActuatorState?, at: Int64?)>((nil, nil))

    init(_ inner: SimulatedPump) { self.inner = inner }

    func drive(_ state: ActuatorState) throws(HardwareError) {
        try inner.drive(state)
        let now = monotonicNanoseconds()
        pumpOff.withLock { p in
            if p.last?.pumpOn == true && !state.pumpOn { p.at = now }
            p.last = state
        }
    }

    func readPressure() throws(HardwareError) -> PressureSample { try inner.readPressure() }

    var pumpOn: Bool { pumpOff.withLock { $0.last?.pumpOn ?? false } }
    func takePumpOffTime() -> Int64? { pumpOff.withLock { p in defer { p.at = nil }; return p.at } }
}

struct Failure: Error, CustomStringConvertible { var description: String }

func percentile(_ sorted: [Int64], _ p: Double) -> Double {
    Double(sorted[Int((Double(sorted.count - 1) * p).rounded())]) / 1000
}

func summary(_ name: String, _ values: [Int64]) -> String {
    let s = values.sorted()
    func f(_ v: Double) -> String { "\((v * 10).rounded() / 10)" }
    return "\(name): n \(s.count)  p50 \(f(percentile(s, 0.5))) µs  p90 \(f(percentile(s, 0.9))) µs  p99 \(f(percentile(s, 0.99))) µs  max \(f(Double(s.last!) / 1000)) µs"
}

@main
struct ActuationBenchmark {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count == 3, let samples = Int(arguments[2]), samples > 0 else {
            print("usage: ActuationBenchmark ADDRESS SAMPLES")
            exit(2)
        }
        let address = arguments[1]
        var logger = Logger(label: "actuation-bench")
        logger.logLevel = .warning

        let clock = ManualClock()
        let layout = HardwareLayout(installedChambers: 6, exhaust: .commonManifold, sensing: .manifold)
        let pump = TimedPump(SimulatedPump(layout: layout, seed: 1, clock: clock))
        let sequencer = try InflationSequencer(hardware: pump, config: SequencerConfig(), clock: clock)
        let profile = BootsGATTProfile(sequencer: sequencer, deviceInformation: DeviceInformation(serial: "BENCH", firmware: "bench", software: "bench"), security: .open)

        let server = try await DBusConnection.connect(address: address)
        let peripheral = try BluetoothPeripheral(connection: server, configuration: PeripheralConfiguration(
            application: profile.application, advertisement: profile.advertisement(localName: "Presso-Bench")),
            logger: logger)
        let events = peripheral.events
        let running = Task { try await peripheral.run() }
        for await event in events {
            if case .registered = event { break }
        }

        // Where the control point is: objectRoot/app/serviceS/charC, in the catalog's order.
        var controlPoint: (service: Int, characteristic: Int)?
        for (s, service) in ProfileCatalog.presso.services.enumerated() {
            if let c = service.characteristics.firstIndex(where: { $0.id == .controlPoint }) { controlPoint = (s, c) }
        }
        guard let controlPoint else { throw Failure(description: "no control point in the catalog") }
        let path = DBusObjectPath(rawValue: "/org/presso/peripheral/app/service\(controlPoint.service)/char\(controlPoint.characteristic)")!
        let onWrite = profile.application.services[controlPoint.service].characteristics[controlPoint.characteristic].onWrite!

        let client = try await DBusConnection.connect(address: address)
        let options: DBusValue = .dictionary(key: "s", value: "v", [
            .string("device"): .variant(.objectPath("/org/bluez/hci0/dev_00_11_22_33_44_55")),
            .string("link"): .variant(.string("LE")), .string("mtu"): .variant(.uint16(517)),
        ])
        func write(_ bytes: [UInt8]) async throws {
            _ = try await client.call(destination: server.uniqueName, path: path, interface: "org.bluez.GattCharacteristic1",
                                      method: "WriteValue", arguments: [.bytes(bytes), options], timeout: .seconds(5))
        }
        _ = try await client.call(destination: server.uniqueName, path: path, interface: "org.bluez.GattCharacteristic1",
                                  method: "StartNotify", arguments: [], timeout: .seconds(5))

        /// Start, tick through the start-up vent (one tick period at a time, as the loop would:
        /// a longer gap is a stalled loop) into inflation: the pump runs.
        func inflate(start: () async throws -> Void) async throws {
            try await start()
            let period = sequencer.config.tickPeriod
            var waited = Duration.zero
            while !pump.pumpOn && waited <= sequencer.config.startupVent + period {
                clock.advance(by: period)
                waited += period
                sequencer.tick()
            }
            guard pump.pumpOn, sequencer.snapshot.phase == .inflating else {
                throw Failure(description: "not inflating after start: \(sequencer.snapshot.phase)")
            }
            _ = pump.takePumpOffTime()
        }

        let request = GATTRequest(device: "/org/bluez/hci0/dev_00_11_22_33_44_55", mtu: 517, link: "LE")
        var overDBus: [Int64] = [], replies: [Int64] = [], direct: [Int64] = []
        overDBus.reserveCapacity(samples)
        direct.reserveCapacity(samples)
        let warmUp = max(samples / 20, 10)
        for n in 0..<(samples + warmUp) {
            try await inflate { try await write([0x01]) }
            let t0 = monotonicNanoseconds()
            try await write([0x04])
            let t2 = monotonicNanoseconds()
            guard let t1 = pump.takePumpOffTime() else { throw Failure(description: "Stop did not turn the pump off") }
            if n >= warmUp {
                overDBus.append(t1 - t0)
                replies.append(t2 - t0)
            }
        }
        for n in 0..<(samples + warmUp) {
            try await inflate { try await onWrite([0x01], request) }
            let t0 = monotonicNanoseconds()
            try await onWrite([0x04], request)
            guard let t1 = pump.takePumpOffTime() else { throw Failure(description: "Stop did not turn the pump off") }
            if n >= warmUp { direct.append(t1 - t0) }
        }
        print(summary("WriteValue(Stop) over D-Bus → pump off", overDBus))
        print(summary("WriteValue(Stop) over D-Bus → reply received", replies))
        print(summary("write handler called directly → pump off", direct))
        running.cancel()
        await client.close()
        await server.close()
        exit(0)
    }
}
