import ArgumentParser

/// `pressod`: the daemon of the boots' controller. This target only wires modules together:
/// configuration → hardware backend → sequencer → services, and the way out (always vented).
@main
struct Pressod: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "pressod",
        abstract: "The Bluetooth LE daemon of pressotherapy boots.",
        version: version,
        subcommands: [RunCommand.self, CheckConfigCommand.self, DoctorCommand.self],
        defaultSubcommand: RunCommand.self)
}

/// Options every subcommand that reads the configuration shares.
struct ConfigOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Configuration file (missing default file: built-in defaults, simulated pump).")
    var config: String?

    static let defaultPath = "/etc/presso/pressod.conf"
}

struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Check the configuration file and print what it configures.")

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let loaded = try ConfigurationLoader.load(options)
        print("\(loaded.source): OK")
        print(loaded.configuration.summary)
    }
}
