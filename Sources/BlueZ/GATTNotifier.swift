import Synchronization

/// The application's side of a notify/indicate characteristic: it pushes values here, and they
/// reach subscribed centrals as `PropertiesChanged(Value)` on the exported characteristic — only
/// while BlueZ has called `StartNotify` (every central that enables the CCC triggers it;
/// `StopNotify` comes when the last one leaves).
///
/// A value longer than ATT_MTU − 3 would be cut silently by BlueZ: that is a programming error
/// here (a precondition), so tests catch it.
public final class GATTNotifier: Sendable {
    /// Values pushed while no central listens are dropped; the read handler serves the current one.
    public typealias Sink = @Sendable ([UInt8]) -> Void

    private struct State {
        var notifying = false
        var sink: Sink?
        /// The smallest MTU seen on this characteristic's link(s); 23 until BlueZ says more.
        var mtu = 23
        var observers: [Int: AsyncStream<Bool>.Continuation] = [:]
        var nextObserver = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// True between StartNotify and StopNotify.
    public var isNotifying: Bool { state.withLock { $0.notifying } }

    /// The largest value a notification can carry now (ATT_MTU − 3).
    public var maximumValueLength: Int { state.withLock { $0.mtu - 3 } }

    /// Sends `value` to every subscribed central; dropped when none is subscribed.
    public func send(_ value: [UInt8]) {
        let (sink, limit) = state.withLock { s in (s.notifying ? s.sink : nil, s.mtu - 3) }
        precondition(value.count <= limit, "notification of \(value.count) bytes exceeds ATT_MTU - 3 = \(limit)")
        sink?(value)
    }

    /// Notify state changes (true on StartNotify, false on StopNotify), starting with the current one.
    public func states() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream.makeStream(of: Bool.self)
        let id = state.withLock { s in
            let id = s.nextObserver
            s.nextObserver += 1
            s.observers[id] = continuation
            continuation.yield(s.notifying)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.observers.removeValue(forKey: id) }
        }
        return stream
    }

    // MARK: Used by the exporting side (BlueZ module)

    /// Binds the notifier to an exported characteristic: `sink` emits PropertiesChanged.
    func bind(_ sink: Sink?) {
        state.withLock { $0.sink = sink }
    }

    func setNotifying(_ notifying: Bool) {
        let observers = state.withLock { s -> [AsyncStream<Bool>.Continuation] in
            guard s.notifying != notifying else { return [] }
            s.notifying = notifying
            return Array(s.observers.values)
        }
        for observer in observers { observer.yield(notifying) }
    }

    func noteMTU(_ mtu: Int) {
        state.withLock { $0.mtu = max(23, mtu) }
    }
}
