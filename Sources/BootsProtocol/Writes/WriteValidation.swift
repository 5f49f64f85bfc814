import Sequencer

/// What a write is checked against: the sequencer's fixed configuration and layout, and its live
/// state at the moment of the write.
public struct ProfileContext: Sendable, Equatable {
    public var config: SequencerConfig
    public var layout: HardwareLayout
    public var snapshot: SequencerSnapshot

    public init(config: SequencerConfig, layout: HardwareLayout, snapshot: SequencerSnapshot) {
        self.config = config
        self.layout = layout
        self.snapshot = snapshot
    }
}

/// Writes to the settings characteristics as pure functions: bytes + context → the change to
/// apply, or the error to answer with (and then nothing changes).
///
/// The checks are the sequencer's own (`SessionSettings.validate` on the settings the change
/// would produce, then the elapsed-time rule for a duration), run on the snapshot, so a write is
/// refused with the exact contract code before anything is applied. The sequencer checks again
/// when the change is applied (`ProfileHandler.write`): a tick between the two can only make a
/// write that passed here fail there, and that failure is mapped to the same codes.
public enum WriteValidation {
    /// Decodes and validates a write to Pressure, Chamber Count or Session Timer.
    /// - Returns: `.writeNotPermitted` for any other characteristic.
    public static func settingsChange(for characteristic: CharacteristicID, bytes: [UInt8],
                                      in context: ProfileContext) -> Result<SettingsChange, GATTResponseError> {
        let decoded: Result<SettingsChange, GATTResponseError>
        switch characteristic {
        case .pressure:
            decoded = Result { () throws(GATTResponseError) in try PressureValue(bytes: bytes).change }
        case .chambers:
            decoded = Result { () throws(GATTResponseError) in
                let chambers = try ChamberSelection(bytes: bytes).chambers(installed: context.layout.installedChambers)
                return .activeChambers(try chambers.mapError(GATTResponseError.application).get())
            }
        case .timer:
            decoded = Result { () throws(GATTResponseError) in try SessionDurationWrite(bytes: bytes).change }
        default:
            return .failure(.writeNotPermitted)
        }
        return decoded.flatMap { change in
            validate(change, in: context).map { change }.mapError(GATTResponseError.application)
        }
    }

    /// Checks a settings change exactly as `SequencerCore.update` does, without applying it.
    public static func validate(_ change: SettingsChange, in context: ProfileContext) -> Result<Void, ApplicationError> {
        let snapshot = context.snapshot
        var candidate = snapshot.pendingSettings ?? snapshot.settings
        switch change {
        case .pressure(let pressure): candidate.pressure = pressure
        case .activeChambers(let chambers): candidate.activeChambers = chambers
        case .program(let program): candidate.program = program
        case .duration(let duration): candidate.duration = duration
        }
        do {
            try candidate.validate(layout: context.layout, config: context.config)
        } catch {
            return .failure(ApplicationError(error))
        }
        if case .duration(let duration) = change, snapshot.sessionInProgress, duration <= snapshot.elapsed {
            return .failure(.durationNotAfterElapsed)
        }
        return .success(())
    }
}

extension SequencerSnapshot {
    /// A session runs or is paused: a duration write may not end it at or before `elapsed`.
    var sessionInProgress: Bool { phase != .idle && phase != .faulted }
}
