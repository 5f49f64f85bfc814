@testable import BlueZ
import DBus
import Testing

/// Notifications and indications: PropertiesChanged(Value) only while BlueZ has called
/// StartNotify, Confirm passed on, and the MTU limit of a notified value.
@Suite struct NotificationTests {
    @Test func valuesReachBlueZOnlyWhileNotifying() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            let path = DBusObjectPath(rawValue: TestApplication.notifyingPath)!
            let notifier = run.app.notifier
            let states = notifier.states()
            var iterator = states.makeAsyncIterator()
            #expect(await iterator.next() == false)
            notifier.send([1])                                   // nobody listens: dropped
            #expect(try await run.control.call("StartNotify", [.objectPath(path)]) == [.string(""), .string("")])
            #expect(await iterator.next() == true)
            notifier.send([2])
            notifier.send([3, 4])
            _ = try await eventually("two notifications") { () async throws -> Bool? in
                let got: [[UInt8]] = try await run.control.call("Notifications", [.objectPath(path)]).argument(0)
                return got == [[2], [3, 4]] ? true : nil
            }
            try await run.control.call("StopNotify", [.objectPath(path)])
            #expect(await iterator.next() == false)
            notifier.send([5])                                   // dropped again
            // A read in between proves the signal would have arrived before it, had it been sent.
            #expect(try await run.control.read(TestApplication.notifyingPath).value == [5], "the read serves the last value")
            let after: [[UInt8]] = try await run.control.call("Notifications", [.objectPath(path)]).argument(0)
            #expect(after == [[2], [3, 4]])
        }
    }

    @Test func bluetoothdGoingAwayEndsNotifying() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            try await run.control.call("StartNotify", [.objectPath(DBusObjectPath(rawValue: TestApplication.notifyingPath)!)])
            _ = try await eventually("notifying") { run.app.notifier.isNotifying ? true : nil }
            try await run.control.call("Restart", [.uint32(100)])
            _ = try await eventually("not notifying after the restart") { run.app.notifier.isNotifying ? nil : true }
            try await run.waitRegistered(count: 2)
        }
    }

    @Test func confirmedIndicationsArePassedOn() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            var confirmations = run.app.indicator.confirmations().makeAsyncIterator()
            try await run.client.call(
                destination: run.peripheral.connection.uniqueName, path: DBusObjectPath(rawValue: TestApplication.indicatingPath)!,
                interface: "org.bluez.GattCharacteristic1", method: "Confirm")
            #expect(await confirmations.next() != nil)
            let refused: () async throws -> Void = {
                try await run.client.call(
                    destination: run.peripheral.connection.uniqueName, path: DBusObjectPath(rawValue: TestApplication.readWritePath)!,
                    interface: "org.bluez.GattCharacteristic1", method: "StartNotify")
            }
            await #expect(throws: DBusError(name: "org.bluez.Error.NotSupported", message: "Not supported")) { try await refused() }
        }
    }

    /// The limit of a notified value is ATT_MTU − 3 of the smallest connected link; a link
    /// whose MTU BlueZ has not told yet counts as 23.
    @Test func notificationLimitFollowsTheSmallestLink() {
        let links = LinkMTUs()
        #expect(links.maximumNotificationLength == 20, "nobody connected: the ATT default")
        links.note(GATTRequest(device: "/dev_a", mtu: 247))
        #expect(links.maximumNotificationLength == 244)
        links.connected("/dev_a")
        #expect(links.maximumNotificationLength == 244, "a known MTU is kept when the connection is seen")
        links.connected("/dev_b")
        #expect(links.maximumNotificationLength == 20, "a central with unknown MTU counts as 23")
        links.note(GATTRequest(device: "/dev_b", mtu: 100))
        #expect(links.maximumNotificationLength == 97)
        links.note(GATTRequest(device: "/dev_b", mtu: 10))
        #expect(links.maximumNotificationLength == 20, "an MTU below 23 does not exist in ATT")
        links.disconnected("/dev_b")
        #expect(links.maximumNotificationLength == 244)
        links.note(GATTRequest(device: nil, mtu: 50))
        #expect(links.maximumNotificationLength == 244, "a request without device tells nothing")
        links.removeAll()
        #expect(links.maximumNotificationLength == 20)
    }

    @Test func aNotifierKnowsItsLimitOnceBound() async throws {
        try await withPeripheral { run in
            try await run.waitRegistered()
            #expect(run.app.notifier.maximumValueLength == 20)
            _ = try await run.control.read(TestApplication.readWritePath, ["mtu": .uint16(64)])
            #expect(run.app.notifier.maximumValueLength == 61, "the double's one device told MTU 64")
        }
        #expect(GATTNotifier().maximumValueLength == 20, "an unbound notifier assumes the ATT default")
    }
}
