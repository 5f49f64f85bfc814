/// What the button did.
public enum ButtonEvent: Sendable, Equatable {
    /// Pressed and released before the long-press threshold (start/stop).
    case shortPress(duration: Duration)
    /// Held down for the long-press threshold (pairing window). Reported as soon as the
    /// threshold passes, while the button is still down; its release then reports nothing.
    case longPress
}

/// Turns raw edges of a bouncing push button into short and long presses. Pure: time comes in
/// with the edges and `advance(to:)`, so it is tested with synthetic timestamps.
///
/// Debounce: a new level counts only once it has held, with no further edge, for `debounce`;
/// bounces and glitches shorter than that are ignored. A press is timed from its first edge.
public struct ButtonPressClassifier: Sendable {
    public let debounce: Duration
    public let longPress: Duration

    /// The level as last seen on the line, and when it changed.
    private var rawPressed: Bool
    private var lastEdge: Duration
    /// The debounced level.
    private(set) public var isPressed: Bool
    /// When the current debounced press began; nil while released, or for a press already held
    /// when watching began (its release must not count as a press).
    private var pressedSince: Duration?
    private var longPressReported = false
    /// Events become certain either at an edge or on `advance(to:)`; they wait here to be taken.
    private var pending: [ButtonEvent] = []

    /// - Parameter initiallyPressed: the level when watching begins (a button held during boot
    ///   produces no event).
    public init(debounce: Duration, longPress: Duration, initiallyPressed: Bool = false, at start: Duration = .zero) {
        self.debounce = debounce
        self.longPress = longPress
        rawPressed = initiallyPressed
        isPressed = initiallyPressed
        lastEdge = start
    }

    /// Records an edge: the line's (logical) level is now `pressed`, since `time`. Whatever had
    /// become certain before it (e.g. a press that had held past the debounce) is settled first,
    /// so edges read in a burst after a delay classify as if they had been seen one by one.
    public mutating func edge(pressed: Bool, at time: Duration) {
        settle(at: time)
        guard pressed != rawPressed else { return }  // a repeated level: an edge was lost; nothing changed
        rawPressed = pressed
        lastEdge = time
    }

    /// The events that have become certain by `now`, in order.
    public mutating func advance(to now: Duration) -> [ButtonEvent] {
        settle(at: now)
        defer { pending = [] }
        return pending
    }

    private mutating func settle(at now: Duration) {
        if rawPressed != isPressed, now - lastEdge >= debounce {
            if rawPressed {
                isPressed = true
                pressedSince = lastEdge
                longPressReported = false
            } else {
                isPressed = false
                if let since = pressedSince, !longPressReported {
                    let held = lastEdge - since
                    pending.append(held >= longPress ? .longPress : .shortPress(duration: held))
                }
                pressedSince = nil
            }
        }
        if isPressed, let since = pressedSince, !longPressReported, now - since >= longPress {
            longPressReported = true
            pending.append(.longPress)
        }
    }

    /// The next time `advance(to:)` could report something without a new edge, if any.
    public var nextDeadline: Duration? {
        if rawPressed != isPressed { return lastEdge + debounce }
        if isPressed, let since = pressedSince, !longPressReported { return since + longPress }
        return nil
    }
}
