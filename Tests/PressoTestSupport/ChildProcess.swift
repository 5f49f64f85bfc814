import Foundation
import Glibc

/// A daemon (or any program) started by a test: posix_spawn with an empty signal mask and default
/// signal dispositions — a child of a Dispatch or test thread otherwise inherits SIGTERM blocked,
/// and graceful shutdown cannot be tested — stdout and stderr captured in files, and always
/// reaped: `stop()`/`deinit` SIGKILL and `waitpid` whatever is still running, so a failing test
/// leaves no orphan and no zombie behind.
public final class ChildProcess: @unchecked Sendable {
    // @unchecked: `status` is guarded by `lock`; everything else is immutable.
    public let pid: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private let lock = NSLock()
    private var status: Termination?

    /// How a child ended.
    public enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        public var description: String {
            switch self {
            case .exited(let code): "exit status \(code)"
            case .signalled(let signal): "killed by signal \(signal) (\(String(cString: strsignal(signal))))"
            }
        }
    }

    public struct SpawnError: Error, CustomStringConvertible {
        public var errno: Int32
        public var executable: String
        public var description: String { "posix_spawn \(executable): \(String(cString: strerror(errno)))" }
    }

    /// Starts `executable` with `arguments` (argv[1...]) and exactly `environment`; output goes to
    /// `<outputPrefix>.stdout` / `.stderr`.
    public init(executable: String, arguments: [String], environment: [String: String], outputPrefix: String) throws {
        stdoutPath = outputPrefix + ".stdout"
        stderrPath = outputPrefix + ".stderr"

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        // Signals the test process ignores (SIGPIPE) would otherwise stay ignored in the child.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw SpawnError(errno: result, executable: executable) }
        self.pid = pid
    }

    deinit { stop() }

    /// Sends `signal` unless the child has been reaped already.
    public func send(_ signal: Int32) {
        lock.withLock {
            if status == nil { _ = kill(pid, signal) }
        }
    }

    /// Waits up to `timeout` for the child to end; nil if it is still running.
    public func wait(timeout: Duration) async -> Termination? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let ended = poll() { return ended }
            if ContinuousClock.now >= deadline { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGKILLs the child if it still runs and reaps it; returns how it ended.
    @discardableResult
    public func stop() -> Termination {
        lock.withLock {
            if let status { return status }
            _ = kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            let ended = Self.termination(raw)
            status = ended
            return ended
        }
    }

    /// Reaps the child if it has ended; never blocks.
    public func poll() -> Termination? {
        lock.withLock {
            if let status { return status }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return nil }
            let ended = Self.termination(raw)
            status = ended
            return ended
        }
    }

    public var standardOutput: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    public var standardError: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Decodes a waitpid status (the W* macros are not imported into Swift).
    static func termination(_ raw: Int32) -> Termination {
        let signal = raw & 0x7f
        return signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
    }
}
