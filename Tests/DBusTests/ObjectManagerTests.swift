import DBus
import Testing

/// org.freedesktop.DBus.ObjectManager the way a BlueZ GATT application uses it.
@Suite struct ObjectManagerTests {
    static let app: DBusObjectPath = "/presso/app"

    static func service(_ uuid: String) -> DBusInterface {
        DBusInterface("presso.test.Service1", properties: [
            DBusProperty("UUID", type: "s", get: { .string(uuid) }),
            DBusProperty("Primary", type: "b", get: { .bool(true) }),
        ])
    }

    @Test func managedObjectsListTheObjectsBelowWithProperties() async throws {
        try await withBus { bus, server, client in
            server.addObjectManager(at: Self.app)
            try await server.export([Self.service("180d")], at: "/presso/app/service0")
            try await server.export([Self.service("180f")], at: "/presso/app/service1")
            try await server.export([Self.service("outside")], at: "/presso/other")
            let reply = try await client.call(
                destination: server.uniqueName, path: Self.app, interface: "org.freedesktop.DBus.ObjectManager",
                method: "GetManagedObjects")
            let objects = try reply.argument(0, as: [DBusObjectPath: [String: [String: DBusValue]]].self)
            #expect(objects == [
                "/presso/app/service0": ["presso.test.Service1": ["UUID": .string("180d"), "Primary": .bool(true)]],
                "/presso/app/service1": ["presso.test.Service1": ["UUID": .string("180f"), "Primary": .bool(true)]],
            ])
            let gdbus = try await bus.gdbus("introspect", "--dest", server.uniqueName, "--object-path", Self.app.rawValue)
            #expect(gdbus.status == 0, "\(gdbus)")
            #expect(gdbus.output.contains("org.freedesktop.DBus.ObjectManager"), "\(gdbus)")
            #expect(gdbus.output.contains("node service0"), "\(gdbus)")
            let external = try await bus.busctl(
                "call", server.uniqueName, Self.app.rawValue, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
            #expect(external.status == 0 && external.output.hasPrefix("a{oa{sa{sv}}} 2"), "\(external)")
        }
    }

    @Test func exportAndUnexportEmitInterfacesAddedAndRemoved() async throws {
        try await withBus { _, server, client in
            server.addObjectManager(at: Self.app)
            let signals = try await client.signals(matching: DBusMatchRule(
                sender: server.uniqueName, interface: "org.freedesktop.DBus.ObjectManager", path: Self.app))
            try await server.export([Self.service("180d")], at: "/presso/app/service0")
            server.unexport("/presso/app/service0")
            let received = try await deadlockGuard { await collect(signals, 2) }
            #expect(received.map(\.member) == ["InterfacesAdded", "InterfacesRemoved"])
            #expect(received[0].arguments == [
                .objectPath("/presso/app/service0"),
                ["presso.test.Service1": ["UUID": DBusValue.string("180d"), "Primary": .bool(true)]].dbusValue,
            ])
            #expect(received[1].arguments == [.objectPath("/presso/app/service0"), DBusValue.array(of: "s", [.string("presso.test.Service1")])])
            // Gone means gone.
            do throws(DBusError) {
                try await client.call(
                    destination: server.uniqueName, path: "/presso/app/service0", interface: "org.freedesktop.DBus.Properties",
                    method: "GetAll", arguments: [.string("presso.test.Service1")])
                Issue.record("unexported object still answers")
            } catch {
                #expect(error.name == DBusError.Name.unknownObject)
            }
        }
    }

    @Test func exportingTwiceAtOnePathOrAStandardInterfaceIsRefused() async throws {
        try await withBus { _, server, _ in
            try await server.export([Self.service("1")], at: "/x")
            await #expect(throws: DBusError.self) { try await server.export([Self.service("2")], at: "/x") }
            await #expect(throws: DBusError.self) {
                try await server.export([DBusInterface("org.freedesktop.DBus.Properties")], at: "/y")
            }
        }
    }
}
