import BlueZ
import DBus
import Testing

/// LEAdvertisement1 as LEAdvertisingManager1 reads it, its updates, Release and the watchdog.
@Suite struct AdvertisementTests {
    static func advertisement(_ run: Running) async throws -> [String: Any] {
        let registered = try await run.control.registered()
        let ads = try #require(registered["advertisements"] as? [String: [String: Any]])
        try #require(ads.count == 1, "\(ads)")
        return ads.values.first!
    }

    @Test func registeredWithItsPropertiesAndOnlyTheSetOptionalOnes() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let ad = try await Self.advertisement(run)
            #expect(ad["Type"] as? String == "peripheral")
            #expect(ad["LocalName"] as? String == "Presso-Test")
            #expect(ad["ServiceUUIDs"] as? [String] == [TestApplication.service])
            #expect(ad["ManufacturerData"] as? [String: [Int]] == ["65535": [1, 2]])
            #expect(ad["Discoverable"] as? Bool == true)
            #expect(ad["Includes"] as? [String] == [])
            #expect(ad["Appearance"] == nil, "Appearance only when set")
        }
    }

    @Test func anUpdateIsSignalledAndBlueZRefreshesFromIt() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            var changed = TestApplication.advertisement
            changed.manufacturerData = [0xFFFF: [9, 9, 9]]
            changed.localName = "Presso-Renamed"
            try run.peripheral.updateAdvertisement(changed)
            _ = try await eventually("the double to see the new data") { () async throws -> Bool? in
                let ad = try await Self.advertisement(run)
                return ad["ManufacturerData"] as? [String: [Int]] == ["65535": [9, 9, 9]]
                    && ad["LocalName"] as? String == "Presso-Renamed" ? true : nil
            }
            let registrations = try await run.control.calls().filter { $0.hasPrefix("LEAdvertisingManager1.RegisterAdvertisement") }
            #expect(registrations.count == 1, "a PropertiesChanged, no new registration")
            _ = try await eventually("the alias to follow the local name") { () async throws -> Bool? in
                try await run.control.adapterProperty("Alias") == .string("Presso-Renamed") ? true : nil
            }
            #expect(run.peripheral.advertisement == changed)
        }
    }

    @Test func anUpdateThatAddsAPropertyRegistersAgain() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            var changed = TestApplication.advertisement
            changed.appearance = 0x0340
            try run.peripheral.updateAdvertisement(changed)
            try await run.events.wait(for: "unregistered, then registered again") {
                $0.contains(.unregistered(.advertisementChanged)) && $0.last.map { if case .registered = $0 { true } else { false } } == true
            }
            let ad = try await Self.advertisement(run)
            #expect(ad["Appearance"] as? Int == 0x0340)
            let calls = try await run.control.calls().filter { $0.hasPrefix("LEAdvertisingManager1.") }.map { $0.split(separator: " ")[0] }
            #expect(calls == ["LEAdvertisingManager1.RegisterAdvertisement", "LEAdvertisingManager1.UnregisterAdvertisement",
                              "LEAdvertisingManager1.RegisterAdvertisement"])
        }
    }

    @Test func anInvalidUpdateIsRefusedAndChangesNothing() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            var tooLong = TestApplication.advertisement
            tooLong.manufacturerData = [0xFFFF: Array(repeating: 0, count: 10)]
            #expect(throws: GATTApplicationError.self) { try run.peripheral.updateAdvertisement(tooLong) }
            #expect(run.peripheral.advertisement == TestApplication.advertisement)
        }
    }

    @Test func aReleasedAdvertisementIsRegisteredAgain() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            #expect(try await run.control.call("ReleaseAdvertisement", [.objectPath("/org/presso/peripheral/advertisement0")]) == [.bool(true)])
            try await run.waitRegistered(count: 2)
            // The double forgets it and says ActiveInstances 0 right after Release, as bluetoothd
            // does: the watchdog may notice first. Either way it is registered again, once.
            let reasons = run.events.events.compactMap { if case .unregistered(let reason) = $0 { reason } else { nil } }
            #expect(reasons == [.advertisementReleased] || reasons == [.advertisingStopped], "\(run.events.events)")
            _ = try await Self.advertisement(run)
        }
    }

    /// A controller that stops advertising without a word (bluez/bluez#644): ActiveInstances
    /// drops to 0 and the advertisement is registered again.
    @Test func theWatchdogRegistersAgainWhenActiveInstancesDropsToZero() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            try await run.control.call("StopAdvertising")
            try await run.waitRegistered(count: 2)
            #expect(run.events.events.contains(.unregistered(.advertisingStopped)))
            _ = try await Self.advertisement(run)
            let active = try await run.client.call(
                destination: "org.bluez", path: "/org/bluez/hci0", interface: "org.freedesktop.DBus.Properties",
                method: "Get", arguments: [.string("org.bluez.LEAdvertisingManager1"), .string("ActiveInstances")])
            #expect(try active.argument(0, as: DBusValue.self) == .byte(1))
        }
    }
}
