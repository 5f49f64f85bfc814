import Foundation
import Synchronization

/// A child process started with posix_spawn and an EMPTY signal mask (a child of a Dispatch
/// thread would otherwise inherit SIGTERM blocked), always stopped with SIGKILL and reaped.
final class Child: Sendable {
    let pid: pid_t
    /// Read end of the child's stdout (close-on-exec, so other children do not hold it).
    let output: Int32

    /// Starts `argv`; stdout goes to a pipe, stderr to `stderrPath` (or /dev/null).
    init(_ argv: [String], stderrPath: String? = nil) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw SpawnError("pipe: \(errno)") }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let status = posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, environ)
        close(fds[1])
        guard status == 0 else {
            close(fds[0])
            throw SpawnError("cannot start \(argv[0]): \(status)")
        }
        self.pid = pid
        self.output = fds[0]
    }

    /// Reads stdout up to the next newline (blocking; for a child that prints a ready line).
    func readLine() -> String {
        var line = [UInt8]()
        var byte: UInt8 = 0
        while read(output, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
        return String(decoding: line, as: UTF8.self)
    }

    private let stopped = Mutex(false)

    /// SIGKILL and reap; idempotent. The pipe stays open until then: closing it early would
    /// kill a child that prints again with SIGPIPE.
    func stop() {
        let already = stopped.withLock { was in
            defer { was = true }
            return was
        }
        guard !already else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        close(output)
    }

    deinit { stop() }
}

struct SpawnError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
