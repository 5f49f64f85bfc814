import Foundation

/// Starts `argv` with posix_spawn, stdout (and stderr unless `quietErrors`) on one pipe, with
/// an empty signal mask (a child of a Dispatch thread would otherwise inherit SIGTERM blocked).
/// Returns pid and the read end of the pipe. The pipe is close-on-exec, so children spawned
/// concurrently by other tests do not hold it open.
func spawn(_ argv: [String], quietErrors: Bool = false) throws -> (pid: pid_t, output: Int32) {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw SpawnError(message: "pipe: \(errno)") }
    // (pipe2 is not exported to Swift here; the window before fcntl is only a slower EOF.)
    for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, fds[1], 1)
    if quietErrors {
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    } else {
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2)
    }
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
        throw SpawnError(message: "cannot start \(argv[0]): \(status)")
    }
    return (pid, fds[0])
}

struct SpawnError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What an external tool printed and how it ended.
struct ToolResult: Sendable, CustomStringConvertible {
    var status: Int32
    var output: String
    var description: String { "exit \(status): \(output)" }
}

/// Runs an external D-Bus client (busctl, gdbus, dbus-send) to the end on a dedicated thread,
/// so the cooperative pool stays free to serve the calls the tool makes into the test.
func runTool(_ argv: [String]) async throws -> ToolResult {
    let (pid, output) = try spawn(argv)
    return await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            var data = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = read(output, &buffer, buffer.count)
                if n <= 0 { break }
                data += buffer[0..<n]
            }
            close(output)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            continuation.resume(returning: ToolResult(status: exit, output: String(decoding: data, as: UTF8.self)))
        }
    }
}
