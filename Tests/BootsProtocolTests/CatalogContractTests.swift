import BootsProtocol
import Sequencer
import Testing

/// `ProfileCatalog.presso` equals gatt-schema/presso-boots.json: services, UUIDs, properties,
/// security flags, descriptors, advertisement, error and opcode tables.
@Suite struct CatalogContractTests {
    let catalog = ProfileCatalog.presso

    @Test func servicesMatchTheContractInOrder() throws {
        let contract = try Contract.load()
        let services = try Contract.services(contract)
        #expect(catalog.services.map(\.id) == (try services.map { try $0.string("id") }))
        for (service, json) in zip(catalog.services, services) {
            #expect(service.uuid == BluetoothUUID(try json.string("uuid")))
            #expect(service.name == (try json.string("name")))
            #expect(service.primary == (json["primary"] as? Bool))
            #expect(service.characteristics.map(\.id.rawValue) == (try json.array("characteristics").map { try $0.string("id") }))
        }
    }

    @Test func everyCharacteristicIdIsInTheCatalogOnce() {
        let listed = catalog.services.flatMap(\.characteristics).map(\.id)
        #expect(listed.count == CharacteristicID.allCases.count)
        #expect(Set(listed) == Set(CharacteristicID.allCases))
    }

    @Test func characteristicsMatchUUIDsPropertiesAndSecureWrite() throws {
        for json in try Contract.characteristics(try Contract.load()) {
            let id = try #require(CharacteristicID(rawValue: try json.string("id")))
            let definition = catalog.characteristic(id)
            #expect(definition.uuid == BluetoothUUID(try json.string("uuid")), "\(id)")
            #expect(definition.name == (try json.string("name")), "\(id)")
            #expect(definition.properties.map(\.rawValue) == (try json.strings("properties")), "\(id)")
            #expect(definition.secureWrite == (json["secureWrite"] as? Bool ?? false), "\(id)")
        }
    }

    /// The contract's notes: bonded → `encrypt-write` for secureWrite characteristics, open → `write`;
    /// reads and notifications stay open in both modes.
    @Test func flagsPerSecurityModeFollowTheContract() throws {
        for json in try Contract.characteristics(try Contract.load()) {
            let id = try #require(CharacteristicID(rawValue: try json.string("id")))
            let properties = try json.strings("properties")
            let secure = json["secureWrite"] as? Bool ?? false
            let bonded = properties.map { $0 == "write" && secure ? "encrypt-write" : $0 }
            #expect(catalog.characteristic(id).flags(.bonded) == bonded, "\(id)")
            #expect(catalog.characteristic(id).flags(.open) == properties, "\(id)")
        }
        #expect(catalog.characteristic(.controlPoint).flags(.bonded) == ["encrypt-write", "indicate"])
        #expect(catalog.characteristic(.liveState).flags(.bonded) == ["read", "notify"])
    }

    @Test func descriptorsMatchUUIDsTextAndBytes() throws {
        let config = SequencerConfig()
        for json in try Contract.characteristics(try Contract.load()) {
            let id = try #require(CharacteristicID(rawValue: try json.string("id")))
            let descriptors = catalog.characteristic(id).descriptors
            let expected = (json["descriptors"] as? [[String: Any]]) ?? []
            #expect(descriptors.map(\.uuid) == expected.map { BluetoothUUID($0["uuid"] as? String ?? "") }, "\(id)")
            for (descriptor, json) in zip(descriptors, expected) {
                #expect(descriptor.name == (try json.string("name")))
                #expect(descriptor.flags == ["read"])
                switch try json.string("uuid") {
                case "2901":
                    #expect(descriptor.value(config: config) == Array((try json.string("utf8")).utf8), "\(id)")
                case "2904":
                    #expect(descriptor.value(config: config) == (try hexBytes(try json.string("bytes"))), "\(id)")
                case "2906":
                    let example = try json.object("example")
                    var capped = SequencerConfig()
                    capped.pressureCap = try example.int("cap")
                    #expect(descriptor.value(config: capped) == (try hexBytes(try example.string("bytes"))))
                    let fields = try json.array("fields")
                    #expect(fields.count == 2)
                    #expect(try fields[0].int("value") == SessionSettings.pressureRange.lowerBound)
                    #expect(try fields[1].string("value") == "cap")
                default:
                    Issue.record("descriptor \(json["uuid"] ?? "?") of \(id) has no Swift counterpart")
                }
            }
        }
    }

    @Test func validRangeFollowsTheConfiguredCap() {
        var config = SequencerConfig()
        config.pressureCap = 250
        let range = catalog.characteristic(.pressure).descriptors.first { $0.uuid == BluetoothUUID(short: 0x2906) }
        #expect(range?.value(config: config) == [0x14, 0x00, 0xFA, 0x00])
    }

    @Test func advertisementMatchesTheContract() throws {
        let advertisement = try Contract.load().object("advertisement")
        #expect(catalog.advertisement.type == (try advertisement.string("type")))
        #expect(catalog.advertisement.serviceUUIDs == (try advertisement.strings("serviceUUIDs").map { BluetoothUUID($0) }))
        #expect(catalog.advertisement.discoverable == (advertisement["discoverable"] as? Bool))
        #expect(catalog.advertisement.includesAppearance == (advertisement["appearance"] != nil))
        let manufacturer = try advertisement.object("manufacturerData")
        #expect(UInt16(try manufacturer.string("companyId").dropFirst(2), radix: 16) == catalog.advertisement.companyID)
        let fields = try manufacturer.array("fields")
        #expect(try fields[0].int("value") == Int(ManufacturerData.currentVersion))
    }

    @Test func applicationErrorsAreTheContractsTable() throws {
        let table = try Contract.load().array("errors").filter { ($0["att"] as? Bool) != true }
        let contract = try table.map { (try codeValue(try $0.string("code")), try $0.string("name")) }
        #expect(contract.map(\.0) == ApplicationError.allCases.map(\.rawValue))
        #expect(contract.map(\.1) == ApplicationError.allCases.map(\.description))
    }

    @Test func attErrorsWeProduceAreInTheContractsTable() throws {
        let att = try Contract.load().array("errors").filter { ($0["att"] as? Bool) == true }
        let byName = try Dictionary(uniqueKeysWithValues: att.map { (try $0.string("name"), try codeValue(try $0.string("code"))) })
        #expect(byName["InvalidValueLength"] == GATTResponseError.invalidValueLength.attCode)
        #expect(byName["InvalidOffset"] == GATTResponseError.invalidOffset.attCode)
        #expect(GATTResponseError.invalidValueLength.dbusName == "org.bluez.Error.InvalidValueLength")
        #expect(GATTResponseError.invalidOffset.dbusName == "org.bluez.Error.InvalidOffset")
    }

    @Test func controlPointOpcodesAndResultsAreTheContracts() throws {
        let controlPoint = try Contract.characteristic("controlPoint", in: try Contract.load())
        let opcodes = try controlPoint.array("opcodes")
        #expect(try opcodes.map { try codeValue(try $0.string("code")) } == ControlPointOpcode.allCases.map(\.rawValue))
        for (opcode, json) in zip(ControlPointOpcode.allCases, opcodes) {
            let params = try json.array("params")
            let size = try params.reduce(0) { total, field in
                total + (try field.string("type") == "uint16" ? 2 : 1)
            }
            #expect(opcode.parameterLength == size, "\(opcode)")
        }
        let results = try controlPoint.array("results").map { try codeValue(try $0.string("code")) }
        #expect(results == ControlPointResult.allCases.map(\.rawValue))
        #expect(try controlPoint.object("write").string("lengths") == "1-\(ControlPoint.maximumLength)")
    }

    @Test func deviceInformationStringsAreAtMostTwentyBytes() throws {
        let service = try Contract.services(try Contract.load()).first { ($0["id"] as? String) == "deviceInformation" }
        for json in try #require(service).array("characteristics") {
            #expect(try json.object("value").int("maxBytes") == DeviceInformation.maximumBytes)
        }
    }
}
