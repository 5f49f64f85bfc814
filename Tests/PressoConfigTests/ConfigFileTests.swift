import Testing
@testable import PressoConfig

@Suite struct ConfigFileTests {
    @Test func parsesSectionsKeysCommentsAndQuotes() throws {
        let text = """
        # Presso
        [bluetooth]
        name = "Presso Boots"
        ; adapter is optional
        adapter=hci1

        [pump]
        max_pressure = 180
        """
        let file = try ConfigFile(path: "/etc/presso/pressod.conf", text: text)
        #expect(file.sections == ["bluetooth", "pump"])
        #expect(file.entry("bluetooth", "name")?.value == "Presso Boots")
        #expect(file.entry("bluetooth", "adapter")?.line == 5)
        #expect(file.entry("pump", "max_pressure")?.value == "180")
    }

    @Test(arguments: [
        ("[pump\nx = 1", 1, "malformed section header"),
        ("[pump]\nmax_pressure 180", 2, "expected 'key = value'"),
        ("max_pressure = 180", 1, "outside of any [section]"),
        ("[pump]\na = 1\na = 2", 3, "key repeated"),
        ("[pump]\n[pump]", 2, "section repeated"),
        ("[pump]\nbad key = 1", 2, "invalid key"),
    ])
    func syntaxErrorsNameTheLine(text: String, line: Int, fragment: String) {
        #expect {
            _ = try ConfigFile(path: "p.conf", text: text)
        } throws: { error in
            guard let error = error as? ConfigError else { return false }
            return error.line == line && error.message.contains(fragment) && error.path == "p.conf"
        }
    }

    @Test func readerChecksTypesRangesAndChoices() throws {
        enum Backend: String, CaseIterable { case simulated, gpio }
        let file = try ConfigFile(path: "c.conf", text: "[pump]\nmax_pressure = 300\nbackend = lasers\nchambers = 6\nvent = maybe\n")
        var reader = ConfigReader(file)
        #expect(try reader.integer("pump", "chambers", in: 1...12, default: 4) == 6)
        let range = #expect(throws: ConfigError.self) { try reader.integer("pump", "max_pressure", in: 20...250, default: 200) }
        #expect(range?.description == "c.conf:2: pump.max_pressure: 300 is out of range 20...250")
        let choice = #expect(throws: ConfigError.self) { try reader.choice("pump", "backend", default: Backend.simulated) }
        #expect(choice?.line == 3)
        #expect(choice?.message.contains("simulated, gpio") == true)
        let flag = #expect(throws: ConfigError.self) { try reader.bool("pump", "vent", default: true) }
        #expect(flag?.field == "pump.vent")
        #expect(try reader.integer("pump", "absent", in: 1...2, default: 2) == 2)
    }

    @Test func unknownKeysAndSectionsAreRejected() throws {
        let file = try ConfigFile(path: "c.conf", text: "[pump]\nmax_presure = 120\n[pumpp]\nx = 1\n")
        var reader = ConfigReader(file)
        _ = try reader.integer("pump", "max_pressure", in: 20...250, default: 200)
        let unknownSection = #expect(throws: ConfigError.self) { try reader.finish() }
        #expect(unknownSection?.line == 3)
        _ = reader.claimSection("pumpp")
        let unknownKey = #expect(throws: ConfigError.self) { try reader.finish() }
        #expect(unknownKey?.description == "c.conf:2: pump.max_presure: unknown key in [pump]")
    }

    @Test func integerListsAndHex() throws {
        let file = try ConfigFile(path: "c.conf", text: "[x]\nlist = 1, 2 ,3\nhex = 0x1F\nbadlist = 1, two\n")
        var reader = ConfigReader(file)
        #expect(try reader.integerList("x", "list", in: 0...10) == [1, 2, 3])
        #expect(try reader.integer("x", "hex", in: 0...255, default: 0) == 31)
        #expect(throws: ConfigError.self) { try reader.integerList("x", "badlist", in: 0...10) }
    }
}
