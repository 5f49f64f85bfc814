import BlueZ
import DBus
import Testing

/// bluetoothd restarts, adapters that go and come back, connected centrals, the pairing
/// window and the agent.
@Suite struct LifecycleTests {
    @Test func registersAgainAfterBluetoothdRestarts() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            try await run.control.call("Restart", [.uint32(300)])
            try await run.waitRegistered(count: 2)
            // bluetoothd releases the advertisement (ActiveInstances drops to 0) before it leaves,
            // as 5.66 does on shutdown: whichever loss is noticed first is the reason of the one
            // `unregistered`.
            let reasons = run.events.events.compactMap { if case .unregistered(let reason) = $0 { reason } else { nil } }
            #expect(reasons.count == 1 && [.advertisementReleased, .advertisingStopped, .bluetoothdStopped].contains(reasons[0]),
                    "\(run.events.events)")
            let registered = try await run.control.registered()
            #expect((registered["applications"] as? [String])?.count == 1)
            #expect((registered["advertisements"] as? [String: Any])?.count == 1)
            // Power, alias and agent follow the registration.
            _ = try await eventually("the agent and the power") { () async throws -> Bool? in
                let agents = (try await run.control.registered())["agents"] as? [String]
                let powered = try await run.control.adapterProperty("Powered")
                return agents?.count == 1 && powered == .bool(true) ? true : nil
            }
            // The application works again through the new registration.
            #expect(try await run.control.read(TestApplication.readWritePath).value == [1, 2, 3, 4, 5])
            #expect(run.logs.all.contains { $0.contains("bluetoothd left the bus") })
        }
    }

    @Test func registersAgainWhenTheAdapterComesBack() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            try await run.control.call("RemoveAdapter")
            try await run.events.wait(for: "unregistered(.adapterRemoved)") { $0.contains(.unregistered(.adapterRemoved)) }
            _ = try await eventually("the waiting line") {
                run.logs.all.first { $0.contains("BlueZ has no adapter: waiting for one") }
            }
            try await run.control.call("AddAdapter")
            try await run.waitRegistered(count: 2)
            _ = try await eventually("the returning adapter powered on") { () async throws -> Bool? in
                try await run.control.adapterProperty("Powered") == .bool(true) ? true : nil
            }
            #expect(try await run.control.read(TestApplication.readWritePath).value == [1, 2, 3, 4, 5])
        }
    }

    /// Powered on once per bluetoothd and adapter: switched off afterwards, it stays off.
    @Test func anAdapterSwitchedOffLaterIsLeftOff() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            _ = try await eventually("powered") { () async throws -> Bool? in
                try await run.control.adapterProperty("Powered") == .bool(true) ? true : nil
            }
            try await run.client.call(
                destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.freedesktop.DBus.Properties",
                method: "Set", arguments: [.string("org.bluez.Adapter1"), .string("Powered"), .variant(.bool(false))])
            // A later signal proves the peripheral has seen the change by then.
            let device: DBusObjectPath = try await run.control.call("AddDevice", [.string("11:22:33:44:55:66"), .bool(true)]).argument(0)
            try await run.events.wait(for: "device") { $0.contains(.centralConnected(device.rawValue)) }
            #expect(try await run.control.adapterProperty("Powered") == .bool(false))
            #expect(run.logs.all.filter { $0.contains("powering hci0 on") }.count == 1)
        }
    }

    @Test func connectedCentralsAreEvents() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let device: DBusObjectPath = try await run.control.call("AddDevice", [.string("11:22:33:44:55:66"), .bool(true)]).argument(0)
            try await run.events.wait(for: "centralConnected") { $0.contains(.centralConnected(device.rawValue)) }
            #expect(run.peripheral.connectedCentrals == [device.rawValue])
            try await run.control.call("SetDeviceConnected", [.objectPath(device), .bool(false)])
            try await run.events.wait(for: "centralDisconnected") { $0.contains(.centralDisconnected(device.rawValue)) }
            #expect(run.peripheral.connectedCentrals.isEmpty)
            try await run.control.call("SetDeviceConnected", [.objectPath(device), .bool(true)])
            try await run.control.call("RemoveDevice", [.objectPath(device)])
            try await run.events.wait(for: "connected, then disconnected by removal") {
                $0.filter { $0 == .centralDisconnected(device.rawValue) }.count == 2
            }
            #expect(run.events.count { $0 == .centralConnected(device.rawValue) } == 2)
        }
    }

    @Test func aCentralConnectedBeforeTheStartIsSeen() async throws {
        let rig = try await DoubleRig.start()
        defer { rig.stop() }
        let client = try await rig.connect()
        let device: DBusObjectPath = try await DoubleControl(connection: client).call(
            "AddDevice", [.string("AA:BB:CC:DD:EE:FF"), .bool(true)]).argument(0)
        let server = try await rig.connect()
        let peripheral = try BluetoothPeripheral(connection: server, configuration: PeripheralConfiguration(
            application: TestApplication().application, advertisement: TestApplication.advertisement))
        let events = EventRecorder()
        let recording = events.record(peripheral.events)
        let run = Task { try await peripheral.run() }
        try await events.wait(for: "centralConnected") { $0.contains(.centralConnected(device.rawValue)) }
        run.cancel()
        try await deadlockGuard("run() to end") { try await run.value }
        recording.cancel()
        await client.close()
        await server.close()
    }

    @Test func thePairingWindowOpensAndCloses() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            #expect(try await run.control.adapterProperty("Pairable") == .bool(false))
            try await run.peripheral.openPairingWindow(for: .seconds(90))
            #expect(try await run.control.adapterProperty("Pairable") == .bool(true))
            // The supervisor may re-apply the window with what is left of it, rounded up.
            let timeout = try await run.control.adapterProperty("PairableTimeout").as(UInt32.self)
            #expect((88...90).contains(timeout), "\(timeout)")
            try await run.events.wait(for: "pairing window open") { $0.contains(.pairingWindow(open: true)) }
            try await run.peripheral.closePairingWindow()
            #expect(try await run.control.adapterProperty("Pairable") == .bool(false))
            try await run.events.wait(for: "pairing window closed") { $0.last == .pairingWindow(open: false) }
        }
    }

    /// bluetoothd turns Pairable on whenever a default agent registers: outside a window the
    /// peripheral turns it off again (unless configured to leave it alone).
    @Test(arguments: [true, false])
    func theAdapterIsPairableOnlyInAWindow(_ onlyInWindow: Bool) async throws {
        try await withPeripheral(configure: { $0.pairableOnlyInWindow = onlyInWindow }) { run in
            try await run.waitRegistered()
            try await run.client.call(
                destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.freedesktop.DBus.Properties",
                method: "Set", arguments: [.string("org.bluez.Adapter1"), .string("Pairable"), .variant(.bool(true))])
            if onlyInWindow {
                _ = try await eventually("Pairable turned off") { () async throws -> Bool? in
                    try await run.control.adapterProperty("Pairable") == .bool(false) ? true : nil
                }
                #expect(!run.events.events.contains(.pairingWindow(open: true)), "no window was opened: \(run.events.events)")
            } else {
                try await run.events.wait(for: "Pairable seen") { $0.contains(.pairingWindow(open: true)) }
                // Any later signal proves the peripheral has looked at the change by then.
                let device: DBusObjectPath = try await run.control.call("AddDevice", [.string("11:22:33:44:55:66"), .bool(true)]).argument(0)
                try await run.events.wait(for: "device") { $0.contains(.centralConnected(device.rawValue)) }
                #expect(try await run.control.adapterProperty("Pairable") == .bool(true))
            }
        }
    }

    @Test func anOpenPairingWindowSurvivesABluetoothdRestart() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            try await run.peripheral.openPairingWindow(for: .seconds(120))
            try await run.control.call("Restart", [.uint32(100)])
            try await run.waitRegistered(count: 2)
            _ = try await eventually("Pairable again") { () async throws -> Bool? in
                try await run.control.adapterProperty("Pairable") == .bool(true) ? true : nil
            }
            let timeout = try await run.control.adapterProperty("PairableTimeout").as(UInt32.self)
            #expect((100...120).contains(timeout), "what is left of the window: \(timeout)")
        }
    }

    /// The agent as bluetoothd calls it: Just Works authorisations only while the window is
    /// open; anything that needs a display or keys refused.
    @Test func theAgentAnswersAsJustWorksNeeds() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            try await run.events.wait(for: "agent") { _ in run.logs.all.contains { $0.contains("pairing agent registered") } }
            let agent: DBusObjectPath = "/org/presso/peripheral/agent"
            let device = DBusValue.objectPath("/org/bluez/hci0/dev_11_22_33_44_55_66")
            func call(_ method: String, _ arguments: [DBusValue]) async -> String {
                do {
                    try await run.client.call(destination: run.peripheral.connection.uniqueName, path: agent,
                                              interface: "org.bluez.Agent1", method: method, arguments: arguments)
                    return "ok"
                } catch { return error.name }
            }
            #expect(await call("RequestAuthorization", [device]) == "org.bluez.Error.Rejected")
            #expect(await call("AuthorizeService", [device, .string("1812")]) == "org.bluez.Error.Rejected")
            try await run.peripheral.openPairingWindow(for: .seconds(30))
            #expect(await call("RequestAuthorization", [device]) == "ok")
            #expect(await call("AuthorizeService", [device, .string("1812")]) == "ok")
            #expect(await call("RequestConfirmation", [device, .uint32(123456)]) == "org.bluez.Error.Rejected")
            #expect(await call("RequestPasskey", [device]) == "org.bluez.Error.Rejected")
            #expect(await call("RequestPinCode", [device]) == "org.bluez.Error.Rejected")
            #expect(await call("DisplayPasskey", [device, .uint32(1), .uint16(0)]) == "org.bluez.Error.Rejected")
            #expect(await call("DisplayPinCode", [device, .string("0000")]) == "org.bluez.Error.Rejected")
            #expect(await call("Cancel", []) == "ok")
            try await run.peripheral.closePairingWindow()
            #expect(await call("RequestAuthorization", [device]) == "org.bluez.Error.Rejected")
        }
    }

    @Test func aReleasedAgentIsRegisteredAgain() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let agents = { () async throws -> [String]? in (try await run.control.registered())["agents"] as? [String] }
            _ = try await eventually("agent registered") { try await agents()?.count == 1 ? true : nil }
            try await run.control.call("ReleaseAgents")
            _ = try await eventually("agent registered again") { () async throws -> Bool? in
                let registrations = try await run.control.calls().filter { $0.hasPrefix("AgentManager1.RequestDefaultAgent") }
                return registrations.count == 2 ? true : nil
            }
            #expect(try await agents()?.count == 1)
            #expect(try await run.control.registered()["default_agent"] as? String
                == "\(run.peripheral.connection.uniqueName) /org/presso/peripheral/agent")
            #expect(run.peripheral.isRegistered, "the agent is not part of the GATT registration")
        }
    }
}
