import BootsControlAPI
import DBus
import Logging
@testable import LocalControl
import Sequencer
import Synchronization
import Testing

/// Method calls read from their arguments and performed on a real sequencer (simulated pump),
/// without a bus: what is accepted, what is refused with which error, and that a refusal
/// changes nothing.
@Suite struct ControlRequestTests {
    let rig: Rig
    let bluetooth = BluetoothControls()
    let object: BootsControlObject

    init() throws {
        rig = try Rig()
        object = BootsControlObject(sequencer: rig.sequencer, bluetooth: bluetooth, history: { [] }, logger: Logger(label: "test"))
    }

    func call(_ method: String, _ arguments: [DBusValue] = []) async throws(DBusError) -> [DBusValue] {
        try await object.perform(try ControlRequest(method: method, arguments: arguments))
    }

    func refusal(_ method: String, _ arguments: [DBusValue] = []) async -> DBusError? {
        do {
            _ = try await call(method, arguments)
            return nil
        } catch {
            return error
        }
    }

    @Test func argumentsBecomeSettingsChanges() throws {
        #expect(try ControlRequest(method: "SetPressure", arguments: [.uint16(90)]) == .change(.pressure(90)))
        #expect(try ControlRequest(method: "SetChambers", arguments: [[UInt16(3), 1, 3].dbusValue])
                == .change(.activeChambers(ChamberSet(rawValue: 0b101))))
        #expect(try ControlRequest(method: "SetDuration", arguments: [.uint32(1500)]) == .change(.duration(.seconds(1500))))
        let boost = try ControlRequest(method: "SetProgram", arguments: [
            .string("boost"), .stringVariantDictionary(["zones": [UInt16(2)].dbusValue, "boost": .int32(12), "rest": .uint32(0)]),
        ])
        #expect(boost == .change(.program(Program(kind: .zoneBoost(zones: ChamberSet(chamber: 2), boost: 12), rest: .zero))))
        #expect(try ControlRequest(method: "OpenPairingWindow", arguments: [.uint32(60)]) == .openPairingWindow(.seconds(60)))
        #expect(try ControlRequest(method: "RemoveBond", arguments: [.string("aa:bb:cc:00:11:22")])
                == .removeBond(address: "AA:BB:CC:00:11:22"))
    }

    @Test func malformedArgumentsAreInvalidValues() {
        let cases: [(String, [DBusValue], String)] = [
            ("SetChambers", [[UInt16(0)].dbusValue], "chamber 0 does not exist"),
            ("SetChambers", [[UInt16(13)].dbusValue], "chamber 13 does not exist"),
            ("SetProgram", [.string("pulse"), .stringVariantDictionary([:])], "unknown program kind 'pulse'"),
            ("SetProgram", [.string("wave"), .stringVariantDictionary(["step-percent": .uint16(5)])], "has no parameter 'step-percent'"),
            ("SetProgram", [.string("gradient"), .stringVariantDictionary([:])], "needs the parameter 'step-percent'"),
            ("SetProgram", [.string("wave"), .stringVariantDictionary(["hold": .string("long")])], "'hold' must be a non-negative integer"),
            ("SetProgram", [.string("wave"), .stringVariantDictionary(["warm-up-cycles": .uint16(2)])], "needs both"),
            ("OpenPairingWindow", [.uint32(5)], "10–600 s"),
            ("RemoveBond", [.string("phone")], "not a Bluetooth address"),
        ]
        for (method, arguments, fragment) in cases {
            do {
                _ = try ControlRequest(method: method, arguments: arguments)
                Issue.record("\(method) \(arguments) accepted")
            } catch {
                #expect(error.name == BootsErrorName.invalidValue && error.message.contains(fragment), "\(error)")
            }
        }
    }

    @Test func refusedSettingsNameTheRuleAndChangeNothing() async {
        let before = rig.sequencer.snapshot.settings
        let cases: [(String, [DBusValue], String)] = [
            ("SetPressure", [.uint16(300)], "pressure 300 mmHg is out of range: the set pressure must be 20–200 mmHg"),
            ("SetPressure", [.uint16(10)], "must be 20–200 mmHg"),
            ("SetChambers", [[UInt16(7)].dbusValue], "chamber 7 is not installed: these boots have chambers 1–6"),
            ("SetChambers", [[UInt16]().dbusValue], "no chamber selected"),
            ("SetDuration", [.uint32(5)], "duration 0:05 is out of range: a session lasts 0:10 to 60:00"),
            ("SetProgram", [.string("gradient"), .stringVariantDictionary(["step-percent": .uint16(50)])],
             "gradient step 50 % is out of range: 1–30 %"),
            ("SetProgram", [.string("wave"), .stringVariantDictionary(["hold": .uint32(500)])], "hold 500 s is out of range: 0–120 s"),
            ("SetProgram", [.string("boost"), .stringVariantDictionary(["zones": [UInt16]().dbusValue])], "at least one zone"),
        ]
        for (method, arguments, message) in cases {
            let error = await refusal(method, arguments)
            #expect(error?.name == BootsErrorName.invalidValue, "\(method) \(arguments): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(String(describing: error))")
        }
        #expect(rig.sequencer.snapshot.settings == before)
    }

    @Test func aPressureAboveTheCapIsRefusedEvenWithinTheProductRange() async throws {
        _ = try await call("SetProgram", [.string("boost"), .stringVariantDictionary(["zones": [UInt16(1)].dbusValue, "boost": .uint16(20)])])
        let error = await refusal("SetPressure", [.uint16(190)])
        #expect(error?.message == "a chamber's target would be 210 mmHg, above these boots' pressure cap of 200 mmHg")
    }

    @Test func commandsOutOfPlaceAreNotPermittedNowAndALatchedFaultSaysSo() async throws {
        #expect(await refusal("Stop")?.name == BootsErrorName.notPermittedNow)
        #expect(await refusal("Resume")?.message == "the session is not paused")
        _ = try await call("Start")
        #expect(await refusal("Start")?.message == "a session is already running")
        _ = try await call("EmergencyStop")
        #expect(rig.sequencer.snapshot.phase == .faulted)
        let latched = await refusal("Start")
        #expect(latched?.name == BootsErrorName.faultLatched)
        #expect(latched?.message == "fault 0x0B (emergency stop) is latched: the boots stay vented until it is cleared (ClearFault)")
        _ = try await call("ClearFault")
        #expect(rig.sequencer.snapshot.phase == .idle)
        #expect(await refusal("ClearFault")?.message == "no fault is latched")
    }

    @Test func pairingAndBondsAreNotAvailableUntilBluetoothInstallsThem() async throws {
        for (method, arguments) in [("OpenPairingWindow", [DBusValue.uint32(60)]), ("ListBonds", []),
                                    ("RemoveBond", [.string("AA:BB:CC:DD:EE:FF")])] {
            let error = await refusal(method, arguments)
            #expect(error == .notAvailable("Bluetooth not running"), "\(method)")
        }
        let opened = Mutex<Duration?>(nil)
        bluetooth.install(.init(
            openPairingWindow: { duration in opened.withLock { $0 = duration } },
            listBonds: { [BondedDevice(address: "AA:BB:CC:DD:EE:FF", name: "Pixel", connected: true)] },
            removeBond: { address in throw DBusError.invalidValue("no bond with \(address)") }))
        _ = try await call("OpenPairingWindow", [.uint32(90)])
        #expect(opened.withLock { $0 } == .seconds(90))
        let bonds = try await call("ListBonds")
        #expect(bonds == [.array(element: "(ssb)", [.structure([.string("AA:BB:CC:DD:EE:FF"), .string("Pixel"), .bool(true)])])])
        #expect(await refusal("RemoveBond", [.string("11:22:33:44:55:66")]) == .invalidValue("no bond with 11:22:33:44:55:66"))
        bluetooth.remove()
        #expect(await refusal("ListBonds")?.name == BootsErrorName.notAvailable)
    }

    @Test func onlyRootAndMembersOfTheAdminGroupMayCall() {
        let rule = AdminRule()
        #expect(rule.permits(uid: 0, groups: [], adminGID: nil))
        #expect(rule.permits(uid: 1000, groups: [100, 990], adminGID: 990))
        #expect(!rule.permits(uid: 1000, groups: [100], adminGID: 990))
        #expect(!rule.permits(uid: 1000, groups: [100], adminGID: nil))
    }

    @Test func theUserDatabaseGivesRootsGroups() {
        #expect(CallerCheck.groups(of: 0).contains(0))
        #expect(CallerCheck.gid(of: "root") == 0)
        #expect(CallerCheck.gid(of: "no-such-group-presso") == nil)
    }
}
