import BootsControlAPI
import Testing

/// What people type to pressoctl, read into what the methods take.
@Suite struct NotationTests {
    @Test func chambersAreACountOrAList() throws {
        #expect(try Notation.chambers("4") == [1, 2, 3, 4])
        #expect(try Notation.chambers("1,2,3") == [1, 2, 3])
        #expect(try Notation.chambers("1-3,6,2") == [1, 2, 3, 6])
        #expect(try Notation.chambers("4-4") == [4])
        for bad in ["0", "", "1,,2", "3-1", "a", "1-2-3", "1000"] {
            #expect(throws: Notation.Invalid.self, "\(bad)") { try Notation.chambers(bad) }
        }
        #expect(Notation.chamberList([1, 2, 3, 4, 6, 8, 9]) == "1-4,6,8,9")
    }

    @Test func durationsCarryTheirUnits() throws {
        #expect(try Notation.seconds("25m") == 1500)
        #expect(try Notation.seconds("90s") == 90)
        #expect(try Notation.seconds("1h30m") == 5400)
        #expect(try Notation.seconds("25m30s") == 1530)
        for bad in ["25", "m", "25x", "", "1.5m", "-5m"] {
            #expect(throws: Notation.Invalid.self, "\(bad)") { try Notation.seconds(bad) }
        }
        #expect(Notation.clock(1530) == "25:30" && Notation.clock(9) == "0:09")
    }

    @Test func programKindsReadAndPrintTheSame() throws {
        #expect(try ProgramSpec(kindText: "wave").kind == .wave)
        #expect(try ProgramSpec(kindText: "gradient:8").kind == .gradient(stepPercent: 8))
        #expect(try ProgramSpec(kindText: "boost:1,3:10").kind == .boost(zones: [1, 3], mmHg: 10))
        #expect(try ProgramSpec(kindText: "boost:2").kindText == "boost:2:10")
        for text in ["wave", "gradient:8", "boost:1,3:10"] { #expect(try ProgramSpec(kindText: text).kindText == text) }
        for bad in ["pulse", "gradient", "gradient:x", "boost:", "wave:1", "boost:1:2:3"] {
            #expect(throws: ProgramSpec.NotationError.self, "\(bad)") { try ProgramSpec(kindText: bad) }
        }
    }
}
