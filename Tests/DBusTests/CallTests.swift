import DBus
import Testing

/// Method calls between connections: errors by name, concurrency, re-entrancy, timeouts.
@Suite struct CallTests {
    static func withEcho(_ body: @escaping (TestBus, DBusConnection, DBusConnection) async throws -> Void) async throws {
        try await withBus { bus, server, client in
            try await server.export([Echo.interfaceDescription()], at: Echo.path)
            _ = try await server.requestName(Echo.name)
            try await body(bus, server, client)
        }
    }

    func expectError(
        _ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ call: () async throws -> Void
    ) async {
        do {
            try await call()
            Issue.record("expected \(name), got a reply", sourceLocation: sourceLocation)
        } catch let error as DBusError {
            #expect(error.name == name, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("not a DBusError: \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func handlerErrorsReachTheCallerByName() async throws {
        try await Self.withEcho { _, _, client in
            do throws(DBusError) {
                try await client.call(
                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Fail",
                    arguments: [.string("org.bluez.Error.NotPermitted"), .string("no writes")])
                Issue.record("Fail replied")
            } catch {
                #expect(error == DBusError(name: "org.bluez.Error.NotPermitted", message: "no writes"))
            }
        }
    }

    @Test func unknownObjectInterfaceAndMethodGetStandardErrors() async throws {
        try await Self.withEcho { _, _, client in
            await expectError(DBusError.Name.unknownObject) {
                try await client.call(destination: Echo.name, path: "/nothing", interface: Echo.interface, method: "Concat")
            }
            await expectError(DBusError.Name.unknownInterface) {
                try await client.call(destination: Echo.name, path: Echo.path, interface: "presso.Nope", method: "Concat")
            }
            await expectError(DBusError.Name.unknownMethod) {
                try await client.call(destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Nope")
            }
            await expectError(DBusError.Name.serviceUnknown) {
                try await client.call(destination: "presso.absent", path: "/", interface: nil, method: "X")
            }
        }
    }

    @Test func wrongSignatureIsAnsweredWithInvalidArgs() async throws {
        try await Self.withEcho { bus, _, client in
            await expectError(DBusError.Name.invalidArgs) {
                try await client.call(
                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Concat",
                    arguments: [.int32(1), .string("b")])
            }
            await expectError(DBusError.Name.invalidArgs) {
                try await client.call(
                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Concat",
                    arguments: [.string("only one")])
            }
            // The same from an external client, with a truncated argument list and a variant.
            let external = try await bus.dbusSend(
                "--dest=\(Echo.name)", Echo.path.rawValue, "\(Echo.interface).Concat", "variant:int32:7")
            #expect(external.status != 0)
            #expect(external.output.contains(DBusError.Name.invalidArgs), "\(external)")
            // The service still works afterwards.
            let ok = try await client.call(
                destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Concat",
                arguments: [.string("a"), .string("b")])
            #expect(ok == [.string("ab")])
        }
    }

    @Test func callWithoutInterfaceFindsTheMethod() async throws {
        try await Self.withEcho { _, _, client in
            let reply = try await client.call(
                destination: Echo.name, path: Echo.path, interface: nil, method: "Concat",
                arguments: [.string("x"), .string("y")])
            #expect(reply == [.string("xy")])
        }
    }

    @Test func resultsOfTheWrongTypeBecomeAFailedReply() async throws {
        try await Self.withEcho { _, _, client in
            await expectError(DBusError.Name.failed) {
                try await client.call(destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "WrongResult")
            }
        }
    }

    @Test func unsendableArgumentsFailLocally() async throws {
        try await Self.withEcho { _, _, client in
            await expectError(DBusError.Name.invalidArgs) {
                try await client.call(
                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "EchoVariant",
                    arguments: [.variant(.array(element: "i", [.bool(true)]))])
            }
            await expectError(DBusError.Name.invalidArgs) {
                try await client.call(destination: "not a name", path: Echo.path, interface: nil, method: "X")
            }
            await expectError(DBusError.Name.invalidArgs) {
                try await client.call(destination: Echo.name, path: Echo.path, interface: "bad..iface", method: "X")
            }
        }
    }

    @Test func manyConcurrentCallsFromManyTasks() async throws {
        try await Self.withEcho { _, _, client in
            try await deadlockGuard {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for task in 0..<32 {
                        group.addTask {
                            for i in 0..<25 {
                                let reply = try await client.call(
                                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Concat",
                                    arguments: [.string("\(task)-"), .string("\(i)")])
                                #expect(reply == [.string("\(task)-\(i)")])
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test func peerMayCallBackBeforeReplying() async throws {
        // A calls B.Register; B calls A.Describe and only then replies — what BlueZ does with
        // RegisterApplication/GetManagedObjects. Must not deadlock.
        try await withBus { _, a, b in
            try await a.export(
                [DBusInterface("presso.test.App", methods: [
                    DBusMethod("Describe", outputs: [.init("what", "s")]) { _ in [.string("app")] },
                ])], at: "/app")
            let aName = a.uniqueName
            try await b.export(
                [DBusInterface("presso.test.Manager", methods: [
                    DBusMethod("Register", inputs: [.init("app", "o")], outputs: [.init("seen", "s")]) {
                        call throws(DBusError) in
                        let path: DBusObjectPath = try call.arguments.argument(0)
                        let described = try await b.call(
                            destination: call.sender, path: path, interface: "presso.test.App", method: "Describe")
                        return described
                    },
                ])], at: "/manager")
            let bName = b.uniqueName
            let reply = try await deadlockGuard {
                try await a.call(
                    destination: bName, path: "/manager", interface: "presso.test.Manager", method: "Register",
                    arguments: [.objectPath("/app")])
            }
            #expect(reply == [.string("app")])
            #expect(!aName.isEmpty)
        }
    }

    @Test func handlersMayUseTheConnectionBeforeTheyFirstSuspend() async throws {
        // A handler starts on the connection's own queue and runs there until it first suspends;
        // the connection's synchronous API called from there must neither deadlock nor trap.
        try await withBus { _, server, client in
            try await server.export(
                [DBusInterface("presso.test.Objects", methods: [
                    DBusMethod("Reshape", outputs: [.init("connected", "b")]) { _ in
                        let connected = server.isConnected
                        server.addObjectManager(at: "/tree")
                        server.unexport("/tree/gone")
                        server.removeObjectManager(at: "/tree")
                        try? server.emitSignal(path: "/tree", interface: "presso.test.Objects", name: "Reshaped")
                        return [.bool(connected)]
                    },
                ])], at: "/objects")
            try await server.export([Echo.interfaceDescription()], at: "/tree/gone")
            let reply = try await deadlockGuard {
                try await client.call(
                    destination: server.uniqueName, path: "/objects", interface: "presso.test.Objects", method: "Reshape")
            }
            #expect(reply == [.bool(true)])
            await expectError(DBusError.Name.unknownObject) {
                _ = try await client.call(
                    destination: server.uniqueName, path: "/tree/gone", interface: Echo.interface, method: "Concat",
                    arguments: [.string("x"), .string("y")])
            }
        }
    }

    @Test func unansweredCallsTimeOutWithNoReply() async throws {
        try await Self.withEcho { _, _, client in
            await expectError(DBusError.Name.noReply) {
                try await client.call(
                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Never",
                    timeout: .milliseconds(100))
            }
        }
    }

    @Test func cancellingTheCallerEndsTheCall() async throws {
        try await Self.withEcho { _, _, client in
            let task = Task { () async throws(DBusError) -> [DBusValue] in
                try await client.call(destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "Never")
            }
            task.cancel()
            let result = await task.result
            #expect(throws: DBusError.cancelled) { try result.get() }
        }
    }

    @Test func closingFailsPendingCallsWithDisconnected() async throws {
        let bus = try TestBus.start()
        defer { bus.stop() }
        let server = try await bus.connect()
        try await server.export([Echo.interfaceDescription()], at: Echo.path)
        let client = try await bus.connect()
        let serverName = server.uniqueName
        let pending = Task { () async throws(DBusError) -> [DBusValue] in
            try await client.call(destination: serverName, path: Echo.path, interface: Echo.interface, method: "Never")
        }
        // Make sure the call is out before closing: a second call on the same connection is
        // answered only after the first was sent (messages go out in order).
        _ = try await client.call(
            destination: serverName, path: Echo.path, interface: Echo.interface, method: "Concat",
            arguments: [.string(""), .string("")])
        await client.close()
        let outcome = await pending.result
        #expect(throws: DBusError.disconnected) { try outcome.get() }
        #expect(!client.isConnected)
        await #expect(throws: DBusError.self) { try await client.call(destination: serverName, path: "/", interface: nil, method: "X") }
        await server.close()
    }

    @Test func losingTheBusFailsCallsAndClosesTheConnection() async throws {
        let bus = try TestBus.start()
        defer { bus.stop() }
        let client = try await bus.connect()
        bus.stop()
        let result = try await deadlockGuard { () async -> Result<[DBusValue], DBusError> in
            // Keep calling until the loss is noticed; every call must end, none may hang.
            while true {
                do throws(DBusError) {
                    _ = try await client.call(destination: "org.freedesktop.DBus", path: "/org/freedesktop/DBus", interface: "org.freedesktop.DBus", method: "GetId")
                } catch {
                    return .failure(error)
                }
            }
        }
        #expect(throws: DBusError.self) { try result.get() }
        await client.close()
    }
}
