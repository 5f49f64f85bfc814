import ArgumentParser

/// `pressoctl`: controls and watches the boots through pressod's local interface
/// (org.presso.Boots1 on the system bus; DBUS_SYSTEM_BUS_ADDRESS is honoured). Only root and
/// members of group presso-admin may use it.
@main
struct Pressoctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pressoctl",
        abstract: "Control and watch the pressotherapy boots (talks to pressod over D-Bus).",
        discussion: """
            Exit status: 0 done; 1 refused (the message names the rule); 64 an argument that cannot \
            be read; 69 pressod or the bus not reachable; 77 not allowed (root or group presso-admin only).
            """,
        version: "0.1.0",
        subcommands: [
            StatusCommand.self, WatchCommand.self,
            StartCommand.self, StopCommand.self, PauseCommand.self, ResumeCommand.self,
            EmergencyStopCommand.self, ClearFaultCommand.self,
            SetCommand.self, PairCommand.self, BondsCommand.self, HistoryCommand.self,
        ])
}
