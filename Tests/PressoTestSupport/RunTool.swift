import Foundation

/// The result of running a command-line tool to completion.
public struct ToolRun: Sendable {
    public var termination: ChildProcess.Termination
    public var standardOutput: String
    public var standardError: String

    public var succeeded: Bool { termination == .exited(0) }
    /// Both streams, for failure messages.
    public var output: String { standardOutput + standardError }
}

/// Runs `executable` to completion (killed after `timeout`, a deadlock guard, not a timing
/// assertion), capturing its output in `directory`.
public func runTool(_ executable: String, _ arguments: [String], in directory: TemporaryDirectory,
                    environment: [String: String] = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin"],
                    timeout: Duration = .seconds(60)) async throws -> ToolRun {
    let name = URL(fileURLWithPath: executable).lastPathComponent + "-\(UInt32.random(in: 0 ... .max))"
    let child = try ChildProcess(executable: executable, arguments: arguments, environment: environment,
                                 outputPrefix: directory.file(name))
    let termination = await child.wait(timeout: timeout) ?? child.stop()
    return ToolRun(termination: termination, standardOutput: child.standardOutput, standardError: child.standardError)
}
