import Foundation
import DBus
import Testing

/// Signals: emission, match rules, name ownership.
@Suite struct SignalTests {
    @Test func subscribersGetOnlyWhatTheirRuleMatches() async throws {
        try await withBus { _, server, client in
            let overheated = try await client.signals(matching: DBusMatchRule(
                interface: Thermostat.interface, member: "Overheated", path: "/t1"))
            try server.emitSignal(path: "/t2", interface: Thermostat.interface, name: "Overheated", arguments: [.int32(1)])
            try server.emitSignal(path: "/t1", interface: Thermostat.interface, name: "Cooled", arguments: [.int32(2)])
            try server.emitSignal(path: "/t1", interface: Thermostat.interface, name: "Overheated", arguments: [.int32(3)])
            let first = try await deadlockGuard { await overheated.first { _ in true } }
            #expect(first?.arguments == [.int32(3)])
            #expect(first?.path == "/t1")
        }
    }

    @Test func argumentAndPathNamespaceRulesMatch() async throws {
        try await withBus { _, server, client in
            let rule = DBusMatchRule(pathNamespace: "/org/bluez", arguments: [0: "org.bluez.GattCharacteristic1"])
            #expect(rule.ruleString == "type='signal',path_namespace='/org/bluez',arg0='org.bluez.GattCharacteristic1'")
            let stream = try await client.signals(matching: rule)
            try server.emitSignal(path: "/org/bluez/hci0", interface: "presso.T", name: "S", arguments: [.string("other")])
            try server.emitSignal(path: "/org/bluezz", interface: "presso.T", name: "S", arguments: [.string("org.bluez.GattCharacteristic1")])
            try server.emitSignal(path: "/org/bluez/hci0/dev", interface: "presso.T", name: "S", arguments: [.string("org.bluez.GattCharacteristic1")])
            let first = try await deadlockGuard { await stream.first { _ in true } }
            #expect(first?.path == "/org/bluez/hci0/dev")
        }
    }

    @Test func nameOwnerChangesFollowRequestAndRelease() async throws {
        try await withBus { _, server, client in
            let changes = try await client.nameOwnerChanges(of: "presso.test.Named")
            #expect(try await server.requestName("presso.test.Named") == .primaryOwner)
            #expect(try await client.requestName("presso.test.Named") == .exists)
            #expect(try await client.nameOwner("presso.test.Named") == server.uniqueName)
            #expect(try await server.releaseName("presso.test.Named") == .released)
            #expect(try await client.nameOwner("presso.test.Named") == nil)
            let seen = try await deadlockGuard { await collect(changes, 2) }
            #expect(seen == [
                DBusNameOwnerChange(name: "presso.test.Named", oldOwner: nil, newOwner: server.uniqueName),
                DBusNameOwnerChange(name: "presso.test.Named", oldOwner: server.uniqueName, newOwner: nil),
            ])
        }
    }

    @Test func closingTheConnectionEndsItsStreams() async throws {
        try await withBus { _, _, client in
            let stream = try await client.signals(matching: DBusMatchRule(interface: "presso.Never"))
            await client.close()
            let next = try await deadlockGuard { await stream.first { _ in true } }
            #expect(next == nil)
        }
    }

    @Test func systemBusHonoursItsEnvironmentVariable() async throws {
        let bus = try TestBus.start()
        defer { bus.stop() }
        setenv("DBUS_SYSTEM_BUS_ADDRESS", bus.address, 1)
        let system = try await DBusConnection.system()
        #expect(system.uniqueName.hasPrefix(":"))
        let owner = try await system.nameOwner("org.freedesktop.DBus")
        #expect(owner == "org.freedesktop.DBus")
        await system.close()
    }
}
