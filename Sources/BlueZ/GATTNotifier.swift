import Synchronization

/// The application's side of a notify/indicate characteristic: it pushes values here, and they
/// reach subscribed centrals as `PropertiesChanged(Value)` on the exported characteristic — only
/// while BlueZ has called `StartNotify` (every central that enables the CCC triggers it;
/// `StopNotify` comes when the last one leaves).
///
/// A value longer than ATT_MTU − 3 would be cut silently by BlueZ: that is a programming error
/// here (a precondition), so tests catch it. The MTU is that of the smallest link among the
/// connected centrals (23, the ATT default, for a central that has not yet told its MTU through
/// a read or write; 23 when nobody is connected): `maximumValueLength` says what fits now.
public final class GATTNotifier: Sendable {
    /// Emits one value to BlueZ (the exporting side installs it).
    typealias Sink = @Sendable ([UInt8]) -> Void

    private struct Binding {
        var sink: Sink
        var links: LinkMTUs
    }

    private struct State {
        var notifying = false
        var binding: Binding?
        /// The last value sent (the characteristic's `Value` property).
        var value: [UInt8] = []
        var stateObservers = Observers<Bool>()
        var confirmationObservers = Observers<Void>()
    }

    private let state = Mutex(State())

    public init() {}

    /// True between StartNotify and StopNotify.
    public var isNotifying: Bool { state.withLock { $0.notifying } }

    /// The largest value a notification can carry now (ATT_MTU − 3 of the smallest link).
    public var maximumValueLength: Int {
        state.withLock { $0.binding?.links.maximumNotificationLength } ?? LinkMTUs.defaultMTU - 3
    }

    /// The last value sent, whether or not anyone was listening.
    public var value: [UInt8] { state.withLock { $0.value } }

    /// Sends `value` to every subscribed central; dropped when none is subscribed.
    public func send(_ value: [UInt8]) {
        let (sink, links) = state.withLock { s in
            s.value = value
            return (s.notifying ? s.binding?.sink : nil, s.binding?.links)
        }
        let limit = links?.maximumNotificationLength ?? LinkMTUs.defaultMTU - 3
        precondition(value.count <= limit, "notification of \(value.count) bytes exceeds ATT_MTU - 3 = \(limit)")
        sink?(value)
    }

    /// Notify state changes (true on StartNotify, false on StopNotify or when BlueZ goes away),
    /// starting with the current one.
    public func states() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self)
        let id = state.withLock { s in
            continuation.yield(s.notifying)
            return s.stateObservers.add(continuation)
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { $0.stateObservers.remove(id) }
        }
        return stream
    }

    /// One element per indication a central confirmed (BlueZ calls `Confirm`).
    public func confirmations() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let id = state.withLock { $0.confirmationObservers.add(continuation) }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { $0.confirmationObservers.remove(id) }
        }
        return stream
    }

    // MARK: Used by the exporting side

    /// Binds the notifier to an exported characteristic: `sink` emits PropertiesChanged, `links`
    /// knows the MTUs. Returns false if it is already bound elsewhere (one notifier serves one
    /// characteristic). `unbind()` undoes it.
    func bind(_ sink: @escaping Sink, links: LinkMTUs) -> Bool {
        state.withLock { s in
            guard s.binding == nil else { return false }
            s.binding = Binding(sink: sink, links: links)
            return true
        }
    }

    func unbind() {
        state.withLock { $0.binding = nil }
        setNotifying(false)
    }

    func setNotifying(_ notifying: Bool) {
        let observers = state.withLock { s -> [AsyncStream<Bool>.Continuation] in
            guard s.notifying != notifying else { return [] }
            s.notifying = notifying
            return s.stateObservers.all
        }
        for observer in observers { observer.yield(notifying) }
    }

    func confirm() {
        for observer in state.withLock({ $0.confirmationObservers.all }) { observer.yield() }
    }
}

/// Continuations of the streams handed out, by id.
struct Observers<Element: Sendable> {
    private var continuations: [Int: AsyncStream<Element>.Continuation] = [:]
    private var next = 0

    mutating func add(_ continuation: AsyncStream<Element>.Continuation) -> Int {
        next += 1
        continuations[next] = continuation
        return next
    }

    mutating func remove(_ id: Int) { continuations[id] = nil }

    var all: [AsyncStream<Element>.Continuation] { Array(continuations.values) }
}
