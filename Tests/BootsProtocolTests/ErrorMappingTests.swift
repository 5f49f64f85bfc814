import BootsProtocol
import Sequencer
import Testing

/// Every way the sequencer refuses something has its contract code, and every code reaches
/// BlueZ as the D-Bus error bluetoothd turns into it.
@Suite struct ErrorMappingTests {
    // Listed by hand, case by case: a new SettingsError case fails to compile `ApplicationError.init`
    // (the switch is exhaustive) and must be added here with the code the contract gives it.
    static let settingsErrors: [(SettingsError, ApplicationError)] = [
        (.pressureOutOfRange(300), .outOfRange),
        (.aboveCap(target: 220, cap: 200), .aboveCap),
        (.noActiveChambers, .noChambers),
        (.chamberNotInstalled(7), .chamberNotInstalled),
        (.durationOutOfRange(.seconds(59)), .outOfRange),
        (.durationNotAfterElapsed(elapsed: .seconds(90)), .durationNotAfterElapsed),
        (.holdOutOfRange(.seconds(121)), .outOfRange),
        (.releaseOutOfRange(.zero), .outOfRange),
        (.restOutOfRange(.seconds(301)), .outOfRange),
        (.warmUpOutOfRange, .outOfRange),
        (.gradientStepOutOfRange(40), .outOfRange),
        (.zoneBoostOutOfRange(31), .outOfRange),
        (.noZones, .noChambers),
    ]

    static let commandErrors: [(CommandError, ApplicationError)] = [
        (.faultLatched(.emergencyStop), .faultLatched),
        (.faultLatched(.overPressure), .faultLatched),
        (.alreadyRunning, .invalidState),
        (.notRunning, .invalidState),
        (.notPaused, .invalidState),
        (.noFaultLatched, .invalidState),
    ]

    @Test func everySettingsErrorHasItsContractCode() {
        for (error, code) in ErrorMappingTests.settingsErrors {
            #expect(ApplicationError(error) == code, "\(error)")
        }
    }

    @Test func everyCommandErrorHasItsContractCode() {
        for (error, code) in ErrorMappingTests.commandErrors {
            #expect(ApplicationError(error) == code, "\(error)")
        }
    }

    @Test func applicationCodesReachBlueZAsFailedWithTheHexMessage() {
        for code in ApplicationError.allCases {
            let error = GATTResponseError.application(code)
            #expect(error.dbusName == "org.bluez.Error.Failed")
            #expect(error.dbusMessage == "0x\(String(code.rawValue, radix: 16))")
            #expect(error.attCode == code.rawValue)
            #expect((0x80...0x9F).contains(error.attCode))
        }
        #expect(GATTResponseError.application(.faultLatched).dbusMessage == "0x86")
    }

    @Test func attLevelErrorsUseBlueZsNames() {
        #expect(GATTResponseError.invalidValueLength.dbusName == "org.bluez.Error.InvalidValueLength")
        #expect(GATTResponseError.invalidValueLength.attCode == 0x0D)
        #expect(GATTResponseError.invalidOffset.dbusName == "org.bluez.Error.InvalidOffset")
        #expect(GATTResponseError.invalidOffset.attCode == 0x07)
        #expect(GATTResponseError.readNotPermitted.dbusName == "org.bluez.Error.NotPermitted")
        #expect(GATTResponseError.readNotPermitted.attCode == 0x02)
        #expect(GATTResponseError.writeNotPermitted.attCode == 0x03)
    }

    /// The sequencer really throws what the table above assumes, for each command refusal the
    /// contract's writeVectors name.
    @Test func controlPointReasonsComeFromTheSequencersRefusals() throws {
        let idle = try BootsRig()
        #expect(ControlPoint.handle([0x03], sequencer: idle.sequencer) == .success(.operationFailed(.resume, .invalidState)))
        #expect(ControlPoint.handle([0x04], sequencer: idle.sequencer) == .success(.operationFailed(.stop, .invalidState)))
        #expect(ControlPoint.handle([0x06], sequencer: idle.sequencer) == .success(.operationFailed(.clearFault, .invalidState)))
        let faulted = try BootsRig(state: "faulted")
        for opcode in [ControlPointOpcode.start, .pause, .resume, .stop] {
            #expect(ControlPoint.handle([opcode.rawValue], sequencer: faulted.sequencer)
                    == .success(.operationFailed(opcode, .faultLatched)))
        }
    }
}
