import ArgumentParser
import BootsControlAPI
import DBus
import Glibc

struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "The last sessions (kept by pressod): start, length, program, pressure, end.")

    func run() async throws {
        let reply = try await BootsClient.connect().call("History")
        guard case .array(_, let items)? = reply.first else { throw BootsClient.fail("History replied \(reply)", status: 1) }
        var sessions: [SessionSummary] = []
        for item in items { sessions.append(try SessionSummary(dbusValue: item)) }
        guard !sessions.isEmpty else {
            print("no sessions recorded yet")
            return
        }
        print("Started              Ran     Program         Pressure  Cycles  Ended")
        for s in sessions {
            print(localTime(s.started) + "  " + Notation.clock(Int(s.durationSeconds)).padding(toLength: 8, withPad: " ", startingAt: 0)
                  + s.program.padding(toLength: 16, withPad: " ", startingAt: 0)
                  + StatusView.pad("\(s.pressure) mmHg", 8) + StatusView.pad("\(s.cycles)", 8) + "  " + s.ending)
        }
    }

    /// `2025-11-27 10:02:11`, in the machine's time zone.
    func localTime(_ unix: UInt64) -> String {
        var time = time_t(unix)
        var parts = tm()
        localtime_r(&time, &parts)
        var buffer = [CChar](repeating: 0, count: 32)
        let count = strftime(&buffer, buffer.count, "%Y-%m-%d %H:%M:%S", &parts)
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

struct PairCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pair", abstract: "Open the pairing window, so a new phone can bond with the boots.")
    @Option(help: "How long the window stays open (10-600 s).") var seconds: UInt32 = 60

    func run() async throws {
        try await BootsClient.connect().call("OpenPairingWindow", [.uint32(seconds)])
        print("pairing window open for \(seconds) s")
    }
}

struct BondsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bonds", abstract: "Phones and tablets bonded with the boots.", subcommands: [List.self, Remove.self],
        defaultSubcommand: List.self)

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the bonded devices.")

        func run() async throws {
            let reply = try await BootsClient.connect().call("ListBonds")
            guard case .array(_, let items)? = reply.first else { throw BootsClient.fail("ListBonds replied \(reply)", status: 1) }
            var bonds: [BondedDevice] = []
            for item in items { bonds.append(try BondedDevice(dbusValue: item)) }
            guard !bonds.isEmpty else {
                print("no bonded devices")
                return
            }
            print("Address            Connected  Name")
            for bond in bonds {
                print(bond.address.padding(toLength: 19, withPad: " ", startingAt: 0)
                      + (bond.connected ? "yes" : "no").padding(toLength: 11, withPad: " ", startingAt: 0) + bond.name)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove a bond (the device must pair again).")
        @Argument(help: "The device's address, AA:BB:CC:DD:EE:FF.") var address: String

        func run() async throws {
            try await BootsClient.connect().call("RemoveBond", [.string(address)])
            print("bond with \(address.uppercased()) removed")
        }
    }
}
