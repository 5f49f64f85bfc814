/// Verdicts on the Bluetooth side: pure functions of the facts the probes gathered.
public enum BluetoothChecks {
    /// The BlueZ release pressod is developed and tested against (Debian 12).
    static let testedVersion = BlueZVersion(5, 66)
    /// From this release on, advertising intervals and TX power no longer need experimental
    /// mode (5.77 dropped the G_DBUS_FLAG_ENABLE_EXPERIMENTAL guards in src/advertising.c and
    /// made Adapter1.PowerState stable).
    static let experimentalNotNeededFrom = BlueZVersion(5, 77)

    public static func systemBus(_ bus: SystemBusFacts) -> CheckResult {
        switch bus {
        case .unreachable(let reason):
            .fail("system bus", "not reachable: \(reason)",
                  fix: "start D-Bus (apt install dbus; systemctl start dbus)")
        case .reachable(let address, _):
            .ok("system bus", "reachable at \(address)")
        }
    }

    public static func bluetoothd(_ bus: SystemBusFacts) -> CheckResult {
        guard case .reachable(_, let daemon) = bus else {
            return .fail("bluetoothd", "not checked: no system bus", fix: "start D-Bus first")
        }
        guard let daemon else {
            return .fail("bluetoothd", "org.bluez has no owner on the system bus: bluetoothd is not running",
                         fix: "apt install bluez; systemctl enable --now bluetooth (journalctl -u bluetooth says why it stopped)")
        }
        let who = "running (\(daemon.pid.map { "pid \($0), " } ?? "")\(daemon.owner))"
        guard let text = daemon.version else {
            return .warn("bluetoothd", "\(who), version unknown",
                         fix: "check `/usr/libexec/bluetooth/bluetoothd --version`; pressod is tested with BlueZ \(testedVersion)")
        }
        if let version = BlueZVersion(text), version < testedVersion {
            return .warn("bluetoothd", "\(who), BlueZ \(text), older than \(testedVersion)",
                         fix: "upgrade bluez to \(testedVersion) or later (pressod is tested with \(testedVersion))")
        }
        return .ok("bluetoothd", "\(who), BlueZ \(text)")
    }

    /// The configured adapter (or the first one) in the kernel: present, LE-capable, powered.
    public static func adapter(_ kernel: KernelBluetoothFacts, configured: String?, bus: SystemBusFacts) -> CheckResult {
        let name = "adapter"
        let controllers: [KernelBluetoothFacts.Controller]
        switch kernel {
        case .unavailable(let reason, true):
            return .fail(name, reason,
                         fix: "boot a kernel with Bluetooth (CONFIG_BT, as Debian's are) and load the controller's driver (modprobe bluetooth; on a Raspberry Pi: the hci_uart/btbcm overlay)")
        case .unavailable(let reason, false):
            return .fail(name, "cannot read the kernel's Bluetooth controllers: \(reason)",
                         fix: "run pressod doctor as root")
        case .controllers(let list):
            controllers = list
        }
        guard !controllers.isEmpty else {
            return .fail(name, "the kernel has no Bluetooth controller",
                         fix: "check the controller's driver and firmware (dmesg | grep -i bluetooth) and rfkill list")
        }
        let present = controllers.map(\.name).joined(separator: ", ")
        guard let chosen = controllers.first(where: { matches($0, configured) }) else {
            return .fail(name, "\(configured ?? "") is not there (the kernel has \(present))",
                         fix: "set [bluetooth] adapter to one of \(present) (or leave it empty for the first)")
        }
        let label = "\(chosen.name) \(chosen.address)"
        guard chosen.supportsLE else {
            return .fail(name, "\(label) does not support Bluetooth LE",
                         fix: "use an LE-capable (Bluetooth 4.0 or later) controller and name it in [bluetooth] adapter")
        }
        let kind = chosen.isLEOnly ? "LE-only" : "LE and BR/EDR"
        if case .reachable(_, let daemon?) = bus, let adapters = daemon.adapters,
            !adapters.contains(where: { $0.name == chosen.name }) {
            return .fail(name, "\(label) (\(kind)) is in the kernel but bluetoothd does not offer it",
                         fix: "systemctl restart bluetooth; check journalctl -u bluetooth for \(chosen.name)")
        }
        guard chosen.isUp else {
            return .warn(name, "\(label) (\(kind)) is powered off",
                         fix: "pressod powers it on when it starts; if it stays off: rfkill unblock bluetooth")
        }
        return .ok(name, "\(label) present, powered, \(kind)")
    }

    /// Experimental interfaces: in BlueZ before 5.77 the advertisement's MinInterval,
    /// MaxInterval and TxPower are ignored without them.
    public static func experimental(_ bus: SystemBusFacts) -> CheckResult {
        let name = "experimental"
        let fix = "install the bluetoothd drop-in: install -D -m 644 /usr/share/doc/presso/bluetooth.service.d/presso.conf /etc/systemd/system/bluetooth.service.d/presso.conf; systemctl daemon-reload; systemctl restart bluetooth"
        guard case .reachable(_, let daemon?) = bus else {
            return .warn(name, "not checked: bluetoothd is not on the bus", fix: "start bluetoothd first")
        }
        if let text = daemon.version, let version = BlueZVersion(text), version >= experimentalNotNeededFrom {
            return .ok(name, "not needed: BlueZ \(text) honours advertising intervals without it")
        }
        let flagged = daemon.commandLine.map { $0.contains("-E") || $0.contains("--experimental") }
        if let adapters = daemon.adapters, !adapters.isEmpty {
            if adapters.contains(where: \.showsExperimentalProperty) {
                return .ok(name, "on (bluetoothd shows Adapter1.PowerState, an experimental property in BlueZ 5.66)")
            }
            return .warn(name, "off: bluetoothd hides its experimental properties (Adapter1.PowerState), so it ignores the advertising intervals and TX power pressod asks for",
                         fix: fix)
        }
        switch flagged {
        case true?: return .ok(name, "on (bluetoothd runs with --experimental)")
        case false?: return .warn(name, "off: bluetoothd runs without -E/--experimental (\(daemon.commandLine!.joined(separator: " ")))", fix: fix)
        case nil: return .warn(name, "unknown: no adapter on the bus and bluetoothd's command line is unreadable", fix: fix)
        }
    }

    static func matches(_ controller: KernelBluetoothFacts.Controller, _ configured: String?) -> Bool {
        guard let configured, !configured.isEmpty else { return true }
        return controller.name == configured || controller.address.uppercased() == configured.uppercased()
    }
}

/// A BlueZ release, "5.66".
struct BlueZVersion: Comparable, CustomStringConvertible {
    var major: Int, minor: Int
    init(_ major: Int, _ minor: Int) { self.major = major; self.minor = minor }
    init?(_ text: String) {
        let parts = text.split(separator: ".")
        guard parts.count >= 2, let major = Int(parts[0]), let minor = Int(parts[1].prefix { $0.isNumber }) else { return nil }
        self.init(major, minor)
    }
    static func < (a: Self, b: Self) -> Bool { (a.major, a.minor) < (b.major, b.minor) }
    var description: String { "\(major).\(minor)" }
}
