import Sequencer

/// What a write did, when it was accepted.
public enum WriteOutcome: Sendable, Equatable {
    /// A settings characteristic: the change the sequencer took (at once or from the next cycle).
    case applied(SettingsChange)
    /// The control point: send this indication (the write itself succeeds).
    case indicate(ControlPointResponse)
}

/// The boots' GATT profile at the byte level, over a sequencer: the one entry point the BlueZ
/// layer calls from `ReadValue` / `WriteValue` (characteristics and descriptors). Everything
/// here is synchronous and cheap (the sequencer's commands are), so it may run on the D-Bus
/// dispatch thread.
public struct ProfileHandler: Sendable {
    public let catalog: ProfileCatalog
    public let sequencer: any SequencerControl
    public let deviceInformation: DeviceInformation

    public init(sequencer: any SequencerControl, deviceInformation: DeviceInformation,
                catalog: ProfileCatalog = .presso) {
        self.catalog = catalog
        self.sequencer = sequencer
        self.deviceInformation = deviceInformation
    }

    // MARK: Reads

    /// `ReadValue` of a characteristic. `offset` is BlueZ's `offset` option (0 when absent):
    /// every value fits one PDU, so any other offset is InvalidOffset.
    public func read(_ characteristic: CharacteristicID, offset: Int = 0) -> Result<[UInt8], GATTResponseError> {
        guard catalog.characteristic(characteristic).has(.read) else { return .failure(.readNotPermitted) }
        guard offset == 0 else { return .failure(.invalidOffset) }
        if let text = deviceInformation.value(for: characteristic) { return .success(text) }
        guard let value = ProfileHandler.value(of: characteristic, snapshot: sequencer.snapshot, layout: sequencer.layout)
        else { return .failure(.readNotPermitted) }
        return .success(value)
    }

    /// The value of a boots characteristic in a snapshot; nil for the control point (write-only)
    /// and the Device Information strings (see `DeviceInformation`).
    public static func value(of characteristic: CharacteristicID, snapshot: SequencerSnapshot,
                             layout: HardwareLayout) -> [UInt8]? {
        switch characteristic {
        case .pressure: PressureValue(snapshot).bytes
        case .chambers: ChamberCountValue(snapshot, layout: layout).bytes
        case .timer: SessionTimerValue(snapshot).bytes
        case .liveState: LiveState(snapshot).bytes
        case .program: ProgramValue(snapshot.requestedSettings.program).bytes
        case .controlPoint, .manufacturer, .model, .serial, .firmware, .software: nil
        }
    }

    /// `ReadValue` of a descriptor (by its UUID) of a characteristic.
    public func readDescriptor(_ descriptor: BluetoothUUID, of characteristic: CharacteristicID,
                               offset: Int = 0) -> Result<[UInt8], GATTResponseError> {
        guard let found = catalog.characteristic(characteristic).descriptors.first(where: { $0.uuid == descriptor })
        else { return .failure(.readNotPermitted) }
        guard offset == 0 else { return .failure(.invalidOffset) }
        return .success(found.value(config: sequencer.config))
    }

    /// The advertisement's manufacturer data payload now (after the company id).
    public var manufacturerData: [UInt8] { ManufacturerData(sequencer.snapshot).bytes }

    // MARK: Writes

    /// `WriteValue` of a characteristic. A settings write is validated, then applied; the control
    /// point parses, applies and returns the indication to send. A refused write changes nothing.
    public func write(_ characteristic: CharacteristicID, _ value: [UInt8], offset: Int = 0)
        -> Result<WriteOutcome, GATTResponseError>
    {
        guard catalog.characteristic(characteristic).has(.write) else { return .failure(.writeNotPermitted) }
        guard offset == 0 else { return .failure(.invalidOffset) }
        if characteristic == .controlPoint {
            return ControlPoint.handle(value, sequencer: sequencer).map(WriteOutcome.indicate)
        }
        return WriteValidation.settingsChange(for: characteristic, bytes: value, in: sequencer.context)
            .flatMap { change in
                do throws(SettingsError) {
                    try sequencer.update(change)
                    return .success(.applied(change))
                } catch {
                    return .failure(.application(ApplicationError(error)))
                }
            }
    }
}
