import DBus
import Testing

/// org.freedesktop.DBus.Properties semantics, checked from this module and from busctl/gdbus.
@Suite struct PropertiesTests {
    static let name = "presso.test.Props"
    static let path: DBusObjectPath = "/presso/thermostat"

    static func withThermostat(
        _ body: @escaping (TestBus, DBusConnection, DBusConnection, Thermostat) async throws -> Void
    ) async throws {
        try await withBus { bus, server, client in
            let thermostat = Thermostat()
            try await server.export([thermostat.interfaceDescription()], at: path)
            _ = try await server.requestName(name)
            try await body(bus, server, client, thermostat)
        }
    }

    func properties(_ client: DBusConnection, _ method: String, _ args: [DBusValue]) async throws(DBusError) -> [DBusValue] {
        try await client.call(
            destination: Self.name, path: Self.path, interface: "org.freedesktop.DBus.Properties", method: method,
            arguments: args)
    }

    @Test func getGetAllAndSet() async throws {
        try await Self.withThermostat { _, _, client, thermostat in
            #expect(try await properties(client, "Get", [.string(Thermostat.interface), .string("Model")]) == [.variant(.string("T-1000"))])
            let all = try await properties(client, "GetAll", [.string(Thermostat.interface)])
            #expect(all == [.stringVariantDictionary(["Model": .string("T-1000"), "Target": .int32(20)])])
            _ = try await properties(client, "Set", [.string(Thermostat.interface), .string("Target"), .variant(.int32(25))])
            #expect(thermostat.target.withLock { $0 } == 25)
        }
    }

    @Test func setIsCheckedForAccessTypeAndName() async throws {
        try await Self.withThermostat { _, _, client, thermostat in
            let cases: [([DBusValue], String)] = [
                ([.string(Thermostat.interface), .string("Model"), .variant(.string("x"))], DBusError.Name.propertyReadOnly),
                ([.string(Thermostat.interface), .string("Target"), .variant(.string("hot"))], DBusError.Name.invalidArgs),
                ([.string(Thermostat.interface), .string("Target"), .variant(.int32(99))], DBusError.Name.invalidArgs),
                ([.string(Thermostat.interface), .string("Nope"), .variant(.int32(1))], DBusError.Name.unknownProperty),
                ([.string("presso.Nope"), .string("Target"), .variant(.int32(1))], DBusError.Name.unknownInterface),
            ]
            for (args, expected) in cases {
                do throws(DBusError) {
                    _ = try await properties(client, "Set", args)
                    Issue.record("Set \(args) succeeded")
                } catch {
                    #expect(error.name == expected, "\(args): \(error)")
                }
            }
            await #expect(throws: DBusError.self) { try await properties(client, "Get", [.string(Thermostat.interface)]) }
            #expect(thermostat.target.withLock { $0 } == 20)
        }
    }

    @Test func busctlReadsAndIsRefusedWritingAReadOnlyProperty() async throws {
        try await Self.withThermostat { bus, _, _, thermostat in
            let get = try await bus.busctl("get-property", Self.name, Self.path.rawValue, Thermostat.interface, "Model")
            #expect(get.status == 0, "\(get)")
            #expect(get.output.contains("s \"T-1000\""), "\(get)")
            let setReadOnly = try await bus.busctl(
                "set-property", Self.name, Self.path.rawValue, Thermostat.interface, "Model", "s", "hacked")
            #expect(setReadOnly.status != 0)
            #expect(setReadOnly.output.lowercased().contains("read-only") || setReadOnly.output.contains("PropertyReadOnly"), "\(setReadOnly)")
            let set = try await bus.busctl("set-property", Self.name, Self.path.rawValue, Thermostat.interface, "Target", "i", "22")
            #expect(set.status == 0, "\(set)")
            #expect(thermostat.target.withLock { $0 } == 22)
            let gdbusGet = try await bus.gdbus(
                "call", "--dest", Self.name, "--object-path", Self.path.rawValue, "--method",
                "org.freedesktop.DBus.Properties.Get", Thermostat.interface, "Target")
            #expect(gdbusGet.output.contains("<22>"), "\(gdbusGet)")
        }
    }

    @Test func introspectionListsInterfacesForBusctlAndGdbus() async throws {
        try await Self.withThermostat { bus, _, _, _ in
            let busctl = try await bus.busctl("introspect", Self.name, Self.path.rawValue)
            #expect(busctl.status == 0, "\(busctl)")
            for expected in [Thermostat.interface, ".Model", ".Target", ".Reset", ".Overheated", "org.freedesktop.DBus.Properties"] {
                #expect(busctl.output.contains(expected), "\(expected) missing: \(busctl)")
            }
            let gdbus = try await bus.gdbus("introspect", "--dest", Self.name, "--object-path", Self.path.rawValue)
            #expect(gdbus.status == 0, "\(gdbus)")
            #expect(gdbus.output.contains("readwrite i Target"), "\(gdbus)")
            #expect(gdbus.output.contains("readonly s Model"), "\(gdbus)")
            // Intermediate paths introspect to their children, so tree walkers get there.
            let tree = try await bus.busctl("tree", Self.name)
            #expect(tree.output.contains("/presso/thermostat"), "\(tree)")
        }
    }

    @Test func propertiesChangedReachesSubscribers() async throws {
        try await Self.withThermostat { _, server, client, _ in
            let changes = try await client.signals(matching: DBusMatchRule(
                interface: "org.freedesktop.DBus.Properties", member: "PropertiesChanged", path: Self.path))
            try server.emitPropertiesChanged(path: Self.path, interface: Thermostat.interface, changed: ["Target": .int32(7)], invalidated: ["Model"])
            let first = try await deadlockGuard { await changes.first { _ in true } }
            #expect(first?.arguments == [
                .string(Thermostat.interface), .stringVariantDictionary(["Target": .int32(7)]), .array(of: "s", [.string("Model")]),
            ])
            #expect(first?.sender == server.uniqueName)
        }
    }
}
