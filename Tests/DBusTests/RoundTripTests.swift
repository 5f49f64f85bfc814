import DBus
import Foundation
import PropertyBased
import Testing

/// Values survive marshalling to the bus and back, through an exported object.
@Suite struct RoundTripTests {
    static func echoing(_ body: @escaping (DBusConnection) async throws -> Void) async throws {
        try await withBus { _, server, client in
            try await server.export([Echo.interfaceDescription()], at: Echo.path)
            #expect(try await server.requestName(Echo.name) == .primaryOwner)
            try await body(client)
        }
    }

    @Test func everyTypeAsTopLevelArguments() async throws {
        try await Self.echoing { client in
            let values: [DBusValue] = [
                .byte(0xFE), .bool(true), .int16(-2), .uint16(65535), .int32(.min), .uint32(.max),
                .int64(.min), .uint64(.max), .double(-1.5e-300), .string("grüße ✓"), .objectPath("/a/b_c/9"),
                .signature("a{s(iv)}"), .bytes([0, 1, 2]), .stringVariantDictionary(["k": .variant(.int16(4))]),
                .structure([.int32(1), .uint32(2), .string("")]), .variant(.array(of: "ai", [.array(of: "i", [])])),
                .array(of: "s", ["x", "y"].map(DBusValue.string)),
            ]
            #expect(DBusSignature(rawValue: values.map(\.signature.rawValue).joined()) == Echo.allTypes)
            let reply = try await client.call(
                destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "EchoAll", arguments: values)
            #expect(reply == values)
        }
    }

    @Test func randomNestedValuesRoundTripInVariants() async throws {
        try await Self.echoing { client in
            await propertyCheck(count: 300, input: anyDBusValue) { value in
                let reply = try await client.call(
                    destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "EchoVariant",
                    arguments: [.variant(value)])
                #expect(reply == [.variant(value)])
            }
        }
    }

    @Test func unixFileDescriptorsArePassed() async throws {
        try await Self.echoing { client in
            var fds: [Int32] = [0, 0]
            #expect(pipe(&fds) == 0)
            defer { close(fds[0]); close(fds[1]) }
            let reply = try await client.call(
                destination: Echo.name, path: Echo.path, interface: Echo.interface, method: "EchoFD",
                arguments: [.unixFD(fds[1])])
            guard case .unixFD(let received)? = reply.first else {
                Issue.record("no fd in \(reply)")
                return
            }
            defer { close(received) }
            #expect(received != fds[1])
            var byte: UInt8 = 42
            #expect(write(received, &byte, 1) == 1)
            byte = 0
            #expect(read(fds[0], &byte, 1) == 1)
            #expect(byte == 42)
        }
    }
}
