import BlueZ
import BootsProtocol
import Sequencer

extension BootsGATTProfile {
    /// Publishes the sequencer's live state until cancelled: notifications of every changed
    /// characteristic (Live State at most 10 Hz, events at once, held-back values flushed on
    /// time) and, when it changes, the advertisement's manufacturer data through `advertise`.
    public func publish(snapshots: AsyncStream<SequencerSnapshot>, clock: any Clock<Duration> = ContinuousClock(),
                        advertise: @escaping @Sendable ([UInt8]) -> Void) async {
        var notifier = ProfileNotifier(layout: sequencer.layout)
        var advertised: [UInt8]?
        // The control loop publishes a snapshot every tick (50 Hz), idle or not, so checking the
        // throttle's deadline on each one flushes a held-back Live State value in time.
        for await snapshot in snapshots {
            for notification in notifier.notifications(for: snapshot) {
                self.notifier(notification.characteristic)?.send(notification.value)
            }
            if let deadline = notifier.deadline, deadline <= snapshot.time,
               let held = notifier.flush(at: snapshot.time) {
                self.notifier(held.characteristic)?.send(held.value)
            }
            let payload = ManufacturerData(snapshot).bytes
            if payload != advertised {
                advertised = payload
                advertise(payload)
            }
        }
    }
}
