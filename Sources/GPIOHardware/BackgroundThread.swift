#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plain POSIX thread for blocking work (bit-banging, sysfs reads) that must neither wait on
/// nor stall Swift's cooperative thread pool.
final class BackgroundThread: Sendable {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    private let id: pthread_t

    /// Starts `body` at once.
    init(_ body: @escaping @Sendable () -> Void) {
        let context = Unmanaged.passRetained(Body(body)).toOpaque()
        var id = pthread_t()
        let result = pthread_create(&id, nil, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        // Only resource exhaustion fails here; a daemon that cannot start a thread cannot run.
        precondition(result == 0, "pthread_create failed: \(String(cString: strerror(result)))")
        self.id = id
    }

    /// Waits for the body to return. Call once.
    func join() {
        _ = pthread_join(id, nil)
    }
}
