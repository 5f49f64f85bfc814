import CDBus
import Dispatch
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

// libdbus' main-loop hooks, driven from the connection's serial queue.
//
// Socket watches: a `SocketPoller` thread waits in poll(2) on the enabled watches and, when a
// socket is ready, runs `dbus_watch_handle` on the connection's queue. poll is level-triggered,
// so readiness is never lost — Dispatch read/write sources on Linux report edges, and with
// libdbus toggling its write watch on and off they were seen to leave an authenticated socket
// with `Hello` unsent or a reply unread until the call timed out.
// Timeouts: DispatchSourceTimers on the queue. The dispatch-status hook drains incoming
// messages whenever libdbus has some queued, so nothing waits for the next socket event; and a
// message sent from any task is written on the queue at once (a thread in
// `read_write_dispatch` would not flush it).

/// A libdbus watch/timeout pointer carried to the connection's queue.
/// `@unchecked Sendable`: it is only dereferenced on that queue, after checking that libdbus
/// has not removed it meanwhile (removal also happens on that queue).
struct LoopItem: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Waits for socket readiness on its own thread and reports it to the connection's queue.
final class SocketPoller: Sendable {
    /// What to poll: per watch key, the descriptor, poll events and a generation that changes
    /// whenever the watch is re-registered (so a stale report is recognised).
    struct Entry: Sendable {
        var fd: Int32
        var events: Int16
        var generation: UInt64
    }

    private let entries = Mutex<(watches: [Int: Entry], stopped: Bool)>(([:], false))
    /// A self-pipe: writing to it wakes the poll so that a new watch set is picked up.
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        _ = pipe(&fds)
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    func set(_ key: Int, _ entry: Entry?) {
        entries.withLock { $0.watches[key] = entry }
        wake()
    }

    func stop() {
        entries.withLock { $0.stopped = true }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    /// Runs until `stop()`; `ready` is called (and waited for) with what became ready.
    func run(_ ready: @escaping @Sendable ([(key: Int, generation: UInt64, revents: Int16)]) -> Void) {
        startThread { [self] in
            defer {
                close(wakeRead)
                close(wakeWrite)
            }
            while true {
                let (watches, stopped) = entries.withLock { ($0.watches, $0.stopped) }
                if stopped { return }
                let keyed = Array(watches)
                var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
                fds += keyed.map { pollfd(fd: $0.value.fd, events: $0.value.events, revents: 0) }
                guard poll(&fds, nfds_t(fds.count), -1) >= 0 || errno == EINTR else { return }
                if fds[0].revents != 0 {
                    var drain = [UInt8](repeating: 0, count: 64)
                    while read(wakeRead, &drain, drain.count) > 0 {}
                }
                let reports = zip(keyed, fds.dropFirst()).compactMap { entry, fd in
                    fd.revents != 0 ? (key: entry.key, generation: entry.value.generation, revents: fd.revents) : nil
                }
                if !reports.isEmpty { ready(reports) }
            }
        }
    }
}

/// The timers standing for libdbus timeouts.
final class TimeoutSource {
    let timer: any DispatchSourceTimer
    init(_ timer: any DispatchSourceTimer) { self.timer = timer }
}

extension ConnectionCore {
    func installMainLoop(on raw: OpaquePointer) {
        let me = Unmanaged.passUnretained(self).toOpaque()
        poller.run { [self] reports in queue.sync { handleReady(reports) } }
        dbus_connection_set_watch_functions(raw, cAddWatch, cRemoveWatch, cToggleWatch, me, nil)
        dbus_connection_set_timeout_functions(raw, cAddTimeout, cRemoveTimeout, cToggleTimeout, me, nil)
        dbus_connection_set_dispatch_status_function(raw, dispatchStatusChanged, me, nil)
    }

    func removeMainLoop(from raw: OpaquePointer) {
        dbus_connection_set_dispatch_status_function(raw, nil, nil, nil)
        dbus_connection_set_watch_functions(raw, nil, nil, nil, nil, nil)
        dbus_connection_set_timeout_functions(raw, nil, nil, nil, nil, nil)
        for (_, source) in timeouts { source.timer.cancel() }
        timeouts = [:]
        watches = [:]
        poller.stop()
    }

    /// Drains incoming messages soon (not re-entrantly: libdbus may be mid-call).
    func scheduleDispatch() {
        guard !dispatchScheduled, !draining else { return }
        dispatchScheduled = true
        queue.async { [self] in
            dispatchScheduled = false
            guard let raw else { return }
            // Bounded, so that a flood of messages cannot starve sends queued behind it.
            for _ in 0..<64 {
                guard self.raw != nil, dbus_connection_dispatch(raw) == DBUS_DISPATCH_DATA_REMAINS else { return }
            }
            scheduleDispatch()
        }
    }

    /// libdbus added or toggled a watch: (re)register it with the poller.
    func updateWatch(_ watch: OpaquePointer) {
        confined()
        let key = Int(bitPattern: watch)
        nextGeneration += 1
        watches[key] = (LoopItem(raw: watch), nextGeneration)
        guard dbus_watch_get_enabled(watch) != 0 else {
            poller.set(key, nil)
            return
        }
        let flags = dbus_watch_get_flags(watch)
        var events: Int16 = 0
        if flags & DBUS_WATCH_READABLE.rawValue != 0 { events |= Int16(POLLIN) }
        if flags & DBUS_WATCH_WRITABLE.rawValue != 0 { events |= Int16(POLLOUT) }
        poller.set(key, .init(fd: dbus_watch_get_unix_fd(watch), events: events, generation: nextGeneration))
    }

    func removeWatch(_ watch: OpaquePointer) {
        confined()
        let key = Int(bitPattern: watch)
        watches[key] = nil
        poller.set(key, nil)
    }

    /// Sockets the poller found ready: let libdbus read/write them, then deliver the messages
    /// read, here and now (outside any libdbus call): handing them to `scheduleDispatch` would
    /// cost a hop to a Dispatch worker thread per message.
    private func handleReady(_ reports: [(key: Int, generation: UInt64, revents: Int16)]) {
        confined()
        draining = true
        defer { draining = false }
        for report in reports {
            // Skip reports about watches removed or re-registered since the poll began.
            guard raw != nil, let (watch, generation) = watches[report.key], generation == report.generation,
                dbus_watch_get_enabled(watch.raw) != 0
            else { continue }
            var flags: UInt32 = 0
            if report.revents & Int16(POLLIN) != 0 { flags |= DBUS_WATCH_READABLE.rawValue }
            if report.revents & Int16(POLLOUT) != 0 { flags |= DBUS_WATCH_WRITABLE.rawValue }
            if report.revents & Int16(POLLHUP) != 0 { flags |= DBUS_WATCH_HANGUP.rawValue }
            if report.revents & Int16(POLLERR) != 0 { flags |= DBUS_WATCH_ERROR.rawValue }
            _ = dbus_watch_handle(watch.raw, flags)
        }
        // Bounded like `scheduleDispatch`, which takes over what is left.
        for _ in 0..<64 {
            guard let raw, dbus_connection_dispatch(raw) == DBUS_DISPATCH_DATA_REMAINS else { return }
        }
        draining = false
        scheduleDispatch()
    }

    func updateTimeout(_ timeout: OpaquePointer) {
        confined()
        let key = Int(bitPattern: timeout)
        timeouts.removeValue(forKey: key)?.timer.cancel()
        guard dbus_timeout_get_enabled(timeout) != 0 else { return }
        let interval = DispatchTimeInterval.milliseconds(Int(dbus_timeout_get_interval(timeout)))
        let item = LoopItem(raw: timeout)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let source = TimeoutSource(timer)
        let registration = ObjectIdentifier(source)
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { [self] in
            // A cancelled timer may still have had its handler queued: check it is current.
            guard raw != nil, timeouts[key].map(ObjectIdentifier.init) == registration else { return }
            _ = dbus_timeout_handle(item.raw)
            scheduleDispatch()
        }
        timeouts[key] = source
        timer.resume()
    }

    func removeTimeout(_ timeout: OpaquePointer) {
        confined()
        timeouts.removeValue(forKey: Int(bitPattern: timeout))?.timer.cancel()
    }
}

private func core(_ data: UnsafeMutableRawPointer?) -> ConnectionCore {
    Unmanaged<ConnectionCore>.fromOpaque(data!).takeUnretainedValue()
}

private let cAddWatch: DBusAddWatchFunction = { watch, data in
    if let watch { core(data).updateWatch(watch) }
    return 1
}
private let cRemoveWatch: DBusRemoveWatchFunction = { watch, data in
    if let watch { core(data).removeWatch(watch) }
}
private let cToggleWatch: DBusWatchToggledFunction = { watch, data in
    if let watch { core(data).updateWatch(watch) }
}
private let cAddTimeout: DBusAddTimeoutFunction = { timeout, data in
    if let timeout { core(data).updateTimeout(timeout) }
    return 1
}
private let cRemoveTimeout: DBusRemoveTimeoutFunction = { timeout, data in
    if let timeout { core(data).removeTimeout(timeout) }
}
private let cToggleTimeout: DBusTimeoutToggledFunction = { timeout, data in
    if let timeout { core(data).updateTimeout(timeout) }
}
private let dispatchStatusChanged: DBusDispatchStatusFunction = { _, status, data in
    if status == DBUS_DISPATCH_DATA_REMAINS { core(data).scheduleDispatch() }
}

/// Starts a detached thread of its own for a loop that blocks in poll(2) for the connection's
/// life: Dispatch's worker pool is not meant for threads that never return.
private func startThread(_ body: @escaping @Sendable () -> Void) {
    final class Body: Sendable {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    let argument = Unmanaged.passRetained(Body(body)).toOpaque()
    var thread = pthread_t()
    let started = pthread_create(&thread, nil, { argument in
        Unmanaged<Body>.fromOpaque(argument!).takeRetainedValue().run()
        return nil
    }, argument)
    precondition(started == 0, "cannot start the D-Bus poll thread (error \(started))")
    pthread_detach(thread)
}
