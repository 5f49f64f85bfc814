import BlueZ
import BootsControlAPI
import BootsProfile
import BootsProtocol
import DBus
import Foundation
import LocalControl
import Logging
import PressoConfig
import Sequencer
import ServiceLifecycle
import Synchronization

/// The Bluetooth side of pressod: the boots' GATT profile and advertisement served through
/// BlueZ on the system bus, kept registered across bluetoothd restarts (BlueZ module), live
/// state published as notifications and manufacturer data, and the configured policy applied
/// when the last phone disconnects. Without a system bus it logs and retries: the boots keep
/// working from the button and the local interface meanwhile.
struct BluetoothService: Service {
    let configuration: DaemonConfiguration
    let sequencer: InflationSequencer
    let control: BluetoothControl
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let connection = try await DBusConnection.system()
                    await serve(on: connection)
                    await connection.close()
                } catch {
                    logger.error("no system bus (\(error)); Bluetooth retries in 5 s")
                }
                try? await Task.sleep(for: .seconds(5))
            }
        }
    }

    private func serve(on connection: DBusConnection) async {
        let bluetooth = configuration.bluetooth
        let security: SecurityMode = bluetooth.security == .bonded ? .bonded : .open
        let profile = BootsGATTProfile(sequencer: sequencer, deviceInformation: DeviceInformation(
            manufacturer: configuration.device.manufacturer, model: configuration.device.model,
            serial: configuration.device.serial ?? "", firmware: Self.kernelRelease, software: Pressod.version),
            security: security)
        let peripheral: BluetoothPeripheral
        do {
            peripheral = try BluetoothPeripheral(connection: connection, configuration: PeripheralConfiguration(
                adapter: bluetooth.adapter, application: profile.application,
                advertisement: profile.advertisement(localName: bluetooth.name ?? "Presso")), logger: logger)
        } catch {
            // The profile is built from the contract's catalog: an invalid one is a bug.
            preconditionFailure("the boots' GATT application is invalid: \(error)")
        }
        defer { control.detach() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do { try await peripheral.run() } catch { logger.error("cannot export the GATT application: \(error)") }
            }
            group.addTask {
                await profile.publish(snapshots: sequencer.snapshots()) { payload in
                    var advertisement = peripheral.advertisement
                    advertisement.manufacturerData = [ManufacturerData.companyID: payload]
                    try? peripheral.updateAdvertisement(advertisement)
                }
            }
            group.addTask { await follow(peripheral, profile: profile, connection: connection) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Reacts to the peripheral's events: names the boots after the adapter once it is known,
    /// and applies `on_disconnect` when the last central leaves.
    private func follow(_ peripheral: BluetoothPeripheral, profile: BootsGATTProfile, connection: DBusConnection) async {
        for await event in peripheral.events {
            switch event {
            case .registered(let adapter, let elapsed):
                control.attach(peripheral)
                logger.info("registered on \(adapter) in \(elapsed): advertising as \(peripheral.advertisement.localName ?? "?")")
                await nameAfterAdapter(adapter, peripheral: peripheral, profile: profile, connection: connection)
            case .unregistered(let reason):
                control.detach()
                logger.warning("Bluetooth registration lost (\(reason)); re-registering when BlueZ is back")
            case .centralConnected(let device):
                logger.info("central connected: \(device)")
            case .centralDisconnected(let device):
                logger.info("central disconnected: \(device)")
                if peripheral.connectedCentrals.isEmpty { applyDisconnectPolicy() }
            case .pairingWindow(let open):
                logger.notice("pairing window \(open ? "open" : "closed")")
            }
        }
    }

    private func nameAfterAdapter(_ adapter: String, peripheral: BluetoothPeripheral, profile: BootsGATTProfile,
                                  connection: DBusConnection) async {
        guard configuration.bluetooth.name == nil || configuration.device.serial == nil else { return }
        guard let path = DBusObjectPath(rawValue: "/org/bluez/\(adapter)") else { return }
        let address: String
        do {
            let reply = try await connection.call(
                destination: "org.bluez", path: path,
                interface: "org.freedesktop.DBus.Properties", method: "Get",
                arguments: [.string("org.bluez.Adapter1"), .string("Address")], timeout: .seconds(5))
            guard case .variant(.string(let value))? = reply.first else { return }
            address = value
        } catch {
            logger.warning("cannot read the address of \(adapter): \(error)")
            return
        }
        if configuration.device.serial == nil {
            profile.deviceInformation.serial = DeviceInformation.serial(adapterAddress: address)
        }
        if configuration.bluetooth.name == nil {
            let name = DeviceInformation.localName(adapterAddress: address)
            var advertisement = peripheral.advertisement
            guard advertisement.localName != name else { return }
            advertisement.localName = name
            try? peripheral.updateAdvertisement(advertisement)
            logger.info("advertising as \(name)")
        }
    }

    private func applyDisconnectPolicy() {
        switch configuration.bluetooth.onDisconnect {
        case .continue:
            return
        case .pause:
            if (try? sequencer.pause()) != nil { logger.notice("last central gone: session paused (on_disconnect = pause)") }
        case .stop:
            if (try? sequencer.stop()) != nil { logger.notice("last central gone: session stopped (on_disconnect = stop)") }
        }
    }

    /// The controller's kernel release: the Firmware Revision String.
    static var kernelRelease: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }
}

/// Lets other parts of the daemon (the button, the local control interface) reach the Bluetooth
/// peripheral while it is registered with BlueZ, e.g. to open the pairing window; "not running"
/// otherwise.
final class BluetoothControl: Sendable {
    private let peripheral = Mutex<BluetoothPeripheral?>(nil)
    let pairingWindow: Duration
    /// The local control interface's view of these operations (org.presso.Boots1).
    private let local: BluetoothControls

    init(pairingWindow: Duration, local: BluetoothControls) {
        self.pairingWindow = pairingWindow
        self.local = local
    }

    func attach(_ value: BluetoothPeripheral) {
        peripheral.withLock { $0 = value }
        local.install(BluetoothControls.Operations(
            openPairingWindow: { duration in try await value.openPairingWindow(for: duration) },
            listBonds: {
                try await value.bondedCentrals().map { BondedDevice(address: $0.address, name: $0.name, connected: $0.connected) }
            },
            removeBond: { address in try await value.removeBond(address: address) }))
    }

    func detach() {
        local.remove()
        peripheral.withLock { $0 = nil }
    }

    struct NotRunning: Error, CustomStringConvertible {
        var description: String { "Bluetooth is not running" }
    }

    /// Opens the pairing window for `duration` (default: the configured `pairing_window_s`).
    func openPairingWindow(for duration: Duration? = nil) async throws {
        guard let peripheral = peripheral.withLock({ $0 }) else { throw NotRunning() }
        try await peripheral.openPairingWindow(for: duration ?? pairingWindow)
    }
}
