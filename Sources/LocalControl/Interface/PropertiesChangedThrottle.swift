import BootsControlAPI
import DBus

/// Decides which property changes to announce with `PropertiesChanged`, snapshot by snapshot.
///
/// Every property goes out when its value changes, except the measured pressures, which change
/// at every control tick: they go out at most once per `pressureSpacing` (5 Hz). A pressure
/// change held back is not lost — it goes out with the first snapshot after the spacing (the
/// control loop publishes one every tick), so a client always ends up with the present value.
///
/// Times are offsets on one clock the caller uses consistently (pressod: the sequencer's).
public struct PropertiesChangedThrottle: Sendable {
    public static let rateLimited: Set<String> = [BootsProperty.chamberPressures.rawValue]

    public let pressureSpacing: Duration
    /// What clients have been told (or read at export time).
    private var announced: [String: DBusValue]
    private var lastPressureAnnouncement: Duration?

    public init(initial: [String: DBusValue], pressureSpacing: Duration = .milliseconds(200)) {
        self.announced = initial
        self.pressureSpacing = pressureSpacing
    }

    /// The properties to announce now, given every property's current value; empty when none.
    public mutating func offer(_ values: [String: DBusValue], at now: Duration) -> [String: DBusValue] {
        var changed: [String: DBusValue] = [:]
        for (name, value) in values {
            if let old = announced[name], Self.same(old, value) { continue }
            if Self.rateLimited.contains(name) {
                if let last = lastPressureAnnouncement, now - last < pressureSpacing { continue }
                lastPressureAnnouncement = now
            }
            changed[name] = value
            announced[name] = value
        }
        return changed
    }

    /// Equality where NaN ("not measured") equals NaN, so an unmeasured chamber is not a change.
    static func same(_ a: DBusValue, _ b: DBusValue) -> Bool {
        guard case .array("d", let x) = a, case .array("d", let y) = b, x.count == y.count else { return a == b }
        return zip(x, y).allSatisfy { pair in
            guard case .double(let p) = pair.0, case .double(let q) = pair.1 else { return pair.0 == pair.1 }
            return p == q || (p.isNaN && q.isNaN)
        }
    }
}
