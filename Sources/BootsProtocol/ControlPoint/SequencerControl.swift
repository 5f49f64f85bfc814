import Sequencer

/// What the profile needs from the sequencer: its live state, its fixed configuration, its
/// commands and settings writes. `InflationSequencer` conforms; tests may substitute a recorder.
public protocol SequencerControl: AnyObject, Sendable {
    var config: SequencerConfig { get }
    var layout: HardwareLayout { get }
    var snapshot: SequencerSnapshot { get }

    func start() throws(CommandError)
    func pause() throws(CommandError)
    func resume() throws(CommandError)
    func stop() throws(CommandError)
    func emergencyStop()
    func clearFault() throws(CommandError)
    func update(_ change: SettingsChange) throws(SettingsError)
}

extension SequencerControl {
    /// The context a write is validated in, now.
    public var context: ProfileContext { ProfileContext(config: config, layout: layout, snapshot: snapshot) }
}

extension InflationSequencer: SequencerControl {}
