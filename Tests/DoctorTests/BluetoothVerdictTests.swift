import Testing
@testable import Doctor

/// The Bluetooth verdicts over hand-written facts: every status each check can reach.
struct BluetoothVerdictTests {
    static let daemon = BluetoothdFacts(
        owner: ":1.4", pid: 321, commandLine: ["/usr/libexec/bluetooth/bluetoothd", "-E"], version: "5.66",
        adapters: [BusAdapter(name: "hci0", address: "AA:BB:CC:DD:EE:01", powered: true, showsExperimentalProperty: true)])
    static let bus = SystemBusFacts.reachable(address: "unix:path=/run/dbus/system_bus_socket", bluetoothd: daemon)
    static let hci0 = KernelBluetoothFacts.Controller(name: "hci0", address: "AA:BB:CC:DD:EE:01", isUp: true, supportsLE: true, isLEOnly: true)

    static func bus(_ change: (inout BluetoothdFacts) -> Void) -> SystemBusFacts {
        var facts = daemon
        change(&facts)
        return .reachable(address: "unix:path=/x", bluetoothd: facts)
    }

    @Test func systemBus() {
        #expect(BluetoothChecks.systemBus(Self.bus).status == .ok)
        let down = BluetoothChecks.systemBus(.unreachable(reason: "connect: No such file or directory"))
        #expect(down.status == .fail)
        #expect(down.finding.contains("No such file or directory"))
        #expect(down.fix?.contains("systemctl start dbus") == true)
    }

    @Test func bluetoothdRunningWithItsVersion() {
        let result = BluetoothChecks.bluetoothd(Self.bus)
        #expect(result.status == .ok)
        #expect(result.finding == "running (pid 321, :1.4), BlueZ 5.66")
    }

    @Test func bluetoothdMissingOrOld() {
        let missing = BluetoothChecks.bluetoothd(.reachable(address: "a", bluetoothd: nil))
        #expect(missing.status == .fail)
        #expect(missing.finding.contains("org.bluez has no owner"))
        #expect(missing.fix?.contains("systemctl enable --now bluetooth") == true)
        #expect(BluetoothChecks.bluetoothd(.unreachable(reason: "x")).status == .fail)
        #expect(BluetoothChecks.bluetoothd(Self.bus { $0.version = "5.55" }).status == .warn)
        #expect(BluetoothChecks.bluetoothd(Self.bus { $0.version = "5.72" }).status == .ok)
        #expect(BluetoothChecks.bluetoothd(Self.bus { $0.version = nil }).status == .warn)
    }

    @Test func adapterPresentPoweredLE() {
        let result = BluetoothChecks.adapter(.controllers([Self.hci0]), configured: nil, bus: Self.bus)
        #expect(result.status == .ok)
        #expect(result.finding == "hci0 AA:BB:CC:DD:EE:01 present, powered, LE-only")
    }

    @Test func kernelWithoutBluetoothIsSaidPlainly() {
        let result = BluetoothChecks.adapter(
            .unavailable(reason: "hci_devinfo(hci0): kernel has no Bluetooth (AF_BLUETOOTH unsupported: Address family not supported by protocol, errno 97)", noBluetooth: true),
            configured: nil, bus: Self.bus)
        #expect(result.status == .fail)
        #expect(result.finding.contains("kernel has no Bluetooth"))
        #expect(result.fix?.contains("CONFIG_BT") == true)
        let denied = BluetoothChecks.adapter(.unavailable(reason: "Operation not permitted", noBluetooth: false), configured: nil, bus: Self.bus)
        #expect(denied.status == .fail)
        #expect(denied.fix == "run pressod doctor as root")
    }

    @Test func adapterMissingNamesWhatIsThere() {
        let none = BluetoothChecks.adapter(.controllers([]), configured: nil, bus: Self.bus)
        #expect(none.status == .fail)
        #expect(none.finding == "the kernel has no Bluetooth controller")
        let other = BluetoothChecks.adapter(.controllers([Self.hci0]), configured: "hci1", bus: Self.bus)
        #expect(other.status == .fail)
        #expect(other.finding == "hci1 is not there (the kernel has hci0)")
        #expect(BluetoothChecks.adapter(.controllers([Self.hci0]), configured: "aa:bb:cc:dd:ee:01", bus: Self.bus).status == .ok)
    }

    @Test func adapterWithoutLEOrOffOrUnmanaged() {
        var classic = Self.hci0
        classic.supportsLE = false
        #expect(BluetoothChecks.adapter(.controllers([classic]), configured: nil, bus: Self.bus).status == .fail)
        var off = Self.hci0
        off.isUp = false
        let powered = BluetoothChecks.adapter(.controllers([off]), configured: nil, bus: Self.bus)
        #expect(powered.status == .warn)
        #expect(powered.fix?.contains("rfkill unblock bluetooth") == true)
        let unmanaged = BluetoothChecks.adapter(.controllers([Self.hci0]), configured: nil, bus: Self.bus { $0.adapters = [] })
        #expect(unmanaged.status == .fail)
        #expect(unmanaged.finding.contains("bluetoothd does not offer it"))
    }

    @Test func experimentalFromTheHiddenProperty() {
        #expect(BluetoothChecks.experimental(Self.bus).status == .ok)
        let off = BluetoothChecks.experimental(Self.bus {
            $0.adapters = [BusAdapter(name: "hci0", address: "A", powered: true, showsExperimentalProperty: false)]
        })
        #expect(off.status == .warn)
        #expect(off.fix?.contains("bluetooth.service.d/presso.conf") == true)
        // No adapter on the bus: the command line decides.
        #expect(BluetoothChecks.experimental(Self.bus { $0.adapters = [] }).status == .ok)
        #expect(BluetoothChecks.experimental(Self.bus { $0.adapters = []; $0.commandLine = ["bluetoothd", "-n"] }).status == .warn)
        #expect(BluetoothChecks.experimental(Self.bus { $0.adapters = nil; $0.commandLine = nil }).status == .warn)
        // From 5.77 on nothing needs it.
        let newer = BluetoothChecks.experimental(Self.bus { $0.version = "5.79"; $0.adapters = [] ; $0.commandLine = ["bluetoothd"] })
        #expect(newer.status == .ok)
        #expect(BluetoothChecks.experimental(.reachable(address: "a", bluetoothd: nil)).status == .warn)
    }

    @Test func versions() {
        #expect(BlueZVersion("5.66")! < BlueZVersion("5.77")!)
        #expect(BlueZVersion("5.100")! > BlueZVersion("5.99")!)
        #expect(BlueZVersion("5.66-1+deb12u2") == BlueZVersion(5, 66))
        #expect(BlueZVersion("bluez") == nil)
    }
}
