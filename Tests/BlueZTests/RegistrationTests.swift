import BlueZ
import DBus
import Testing

/// Registration with GattManager1/LEAdvertisingManager1/AgentManager1 as bluetoothd does it.
@Suite struct RegistrationTests {
    @Test func registersApplicationAdvertisementAndAgentOnAPoweredAdapter() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let registered = try await run.control.registered()
            let sender = run.peripheral.connection.uniqueName
            #expect(registered["applications"] as? [String] == ["\(sender) \(TestApplication.root)"])
            #expect(registered["agents"] as? [String] == ["\(sender) /org/presso/peripheral/agent NoInputNoOutput"])
            #expect(registered["default_agent"] as? String == "\(sender) /org/presso/peripheral/agent")
            #expect((registered["advertisements"] as? [String: Any])?.keys.first == "\(sender) /org/presso/peripheral/advertisement0")
            #expect(try await run.control.adapterProperty("Powered") == .bool(true))
            #expect(try await run.control.adapterProperty("Alias") == .string("Presso-Test"), "the local name becomes the alias")
            let calls = try await run.control.calls().filter { $0.hasSuffix(sender) }.map { $0.split(separator: " ")[0] }
            #expect(calls == ["GattManager1.RegisterApplication", "LEAdvertisingManager1.RegisterAdvertisement",
                              "AgentManager1.RegisterAgent", "AgentManager1.RequestDefaultAgent"])
            #expect(run.peripheral.isRegistered)
            guard case .registered(let adapter, _)? = run.events.events.first else {
                Issue.record("first event: \(run.events.events)")
                return
            }
            #expect(adapter == "hci0")
        }
    }

    /// The double answers RegisterApplication only after GetManagedObjects on the caller and
    /// validates the tree as BlueZ does: what it recorded is what BlueZ would serve.
    @Test func blueZSeesTheTreeOfServicesCharacteristicsAndDescriptors() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let registered = try await run.control.registered()
            let services = try #require(registered["services"] as? [String: [String: Any]])
            #expect(services.mapValues { $0["UUID"] as? String } == [
                TestApplication.root + "/service0": TestApplication.service, TestApplication.root + "/service1": "180a",
            ])
            #expect(services[TestApplication.root + "/service1"]?["Primary"] as? Bool == false)
            let characteristics = try #require(registered["characteristics"] as? [String: [String: Any]])
            #expect(characteristics.count == 5)
            let rw = try #require(characteristics[TestApplication.readWritePath])
            #expect(rw["UUID"] as? String == TestApplication.readWrite)
            #expect(rw["Service"] as? String == TestApplication.root + "/service0")
            #expect(rw["Flags"] as? [String] == ["read", "write"])
            #expect(rw["Notifying"] == nil, "only notify/indicate characteristics have Notifying")
            let notifying = try #require(characteristics[TestApplication.notifyingPath])
            #expect(notifying["Flags"] as? [String] == ["read", "notify"])
            #expect(notifying["Notifying"] as? Bool == false)
            #expect(notifying["Value"] as? [Int] == [])
            let descriptors = try #require(registered["descriptors"] as? [String: [String: Any]])
            #expect(descriptors[TestApplication.userDescriptionPath]?["UUID"] as? String == "2901")
            #expect(descriptors[TestApplication.userDescriptionPath]?["Characteristic"] as? String == TestApplication.indicatingPath)
            #expect(descriptors[TestApplication.writableDescriptorPath]?["Flags"] as? [String] == ["read", "write"])
        }
    }

    @Test func getManagedObjectsListsExactlyTheApplication() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let reply = try await run.client.call(
                destination: run.peripheral.connection.uniqueName, path: DBusObjectPath(rawValue: TestApplication.root)!,
                interface: "org.freedesktop.DBus.ObjectManager", method: "GetManagedObjects")
            let objects = try reply.argument(0, as: [DBusObjectPath: [String: [String: DBusValue]]].self)
            let root = TestApplication.root
            #expect(objects.keys.map(\.rawValue).sorted() == [
                "/service0", "/service0/char0", "/service0/char1", "/service0/char2", "/service0/char3",
                "/service0/char3/desc0", "/service0/char3/desc1", "/service1", "/service1/char0",
            ].map { root + $0 })
            #expect(objects[DBusObjectPath(rawValue: root + "/service0")!] == [
                "org.bluez.GattService1": ["UUID": .string(TestApplication.service), "Primary": .bool(true)],
            ])
            #expect(objects[DBusObjectPath(rawValue: root + "/service0/char3/desc0")!] == [
                "org.bluez.GattDescriptor1": [
                    "UUID": .string("2901"), "Characteristic": .objectPath(DBusObjectPath(rawValue: TestApplication.indicatingPath)!),
                    "Flags": ["read"].dbusValue,
                ],
            ])
        }
    }

    @Test func waitsForBlueZThatIsNotThereYetAndSaysSo() async throws {
        try await withPeripheral(doubleFirst: false) { run in
            _ = try await eventually("the waiting line") {
                run.logs.all.first { $0.contains("bluetoothd (org.bluez) is not on the system bus: waiting for it") }
            }
            #expect(!run.peripheral.isRegistered)
            try await run.rig.startDouble()
            try await run.waitRegistered()
        }
    }

    @Test func waitsForAConfiguredAdapterThatIsMissing() async throws {
        try await withPeripheral(configure: { $0.adapter = "hci7" }) { run in
            _ = try await eventually("the waiting line") {
                run.logs.all.first { $0.contains("adapter hci7 is not there (BlueZ has: hci0): waiting for it") }
            }
            let calls = try await run.control.calls()
            #expect(!calls.contains { $0.hasPrefix("GattManager1.RegisterApplication") })
        }
    }

    @Test func findsTheConfiguredAdapterByAddress() async throws {
        try await withPeripheral(configure: { $0.adapter = "00:aa:01:00:00:23" }) { run in
            try await run.waitRegistered()
        }
    }

    @Test func stoppingUnregistersEverything() async throws {
        let rig = try await DoubleRig.start()
        defer { rig.stop() }
        let server = try await rig.connect(), client = try await rig.connect()
        let app = TestApplication()
        let peripheral = try BluetoothPeripheral(connection: server, configuration: PeripheralConfiguration(
            application: app.application, advertisement: TestApplication.advertisement))
        let events = EventRecorder()
        let recording = events.record(peripheral.events)
        let run = Task { try await peripheral.run() }
        try await events.wait(for: "registered") { $0.contains { if case .registered = $0 { true } else { false } } }
        run.cancel()
        try await deadlockGuard("run() to end") { try await run.value }
        try await events.wait(for: "unregistered(.stopped)") { $0.last == .unregistered(.stopped) }
        let control = DoubleControl(connection: client)
        let registered = try await control.registered()
        #expect(registered["applications"] as? [String] == [])
        #expect((registered["advertisements"] as? [String: Any])?.isEmpty == true)
        #expect(registered["agents"] as? [String] == [])
        let calls = try await control.calls().filter { $0.hasSuffix(server.uniqueName) }.map { $0.split(separator: " ")[0] }
        #expect(calls.suffix(3) == ["LEAdvertisingManager1.UnregisterAdvertisement", "GattManager1.UnregisterApplication",
                                   "AgentManager1.UnregisterAgent"])
        // Unexported: the application no longer answers.
        await #expect(throws: DBusError.self) {
            try await client.call(destination: server.uniqueName, path: DBusObjectPath(rawValue: TestApplication.root)!,
                                  interface: "org.freedesktop.DBus.ObjectManager", method: "GetManagedObjects")
        }
        recording.cancel()
        await client.close()
        await server.close()
    }
}
