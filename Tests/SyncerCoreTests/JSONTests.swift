import Foundation
import Testing
@testable import SyncerCore

@Suite struct JSONTests {
    @Test func keepsKeyOrderAndNumberKinds() throws {
        let text = #"{"z":1,"a":2.5,"m":[true,null,"x"],"n":{"b":-0,"a":1e3}}"#
        let value = try JSONReader.parse(text)
        #expect(value.objectValue?.keys == ["z", "a", "m", "n"])
        #expect(value["z"] == .int(1))
        #expect(value["a"] == .double(2.5))
        #expect(value.compactText == #"{"z":1,"a":2.5,"m":[true,null,"x"],"n":{"b":0,"a":1000.0}}"#)
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        let value = try JSONReader.parse(#"["a\"b\\c\/d\n\u00e4\ud83d\ude00\u6771"]"#)
        #expect(value.arrayValue?.first?.stringValue == "a\"b\\c/d\nä😀東")
        // And writes them back as UTF-8 with only the required escapes.
        #expect(JSONValue.string("ä\"\n\u{1}").compactText == "\"ä\\\"\\n\\u0001\"")
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\\x\"", "\"\u{1}\"", "{\"a\" 1}", "[1 2]", "1 2",
        "\"\\ud800\"", "nul", "{1:2}",
    ])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONReader.parse(text) }
    }

    @Test func rejectsInvalidUTF8() {
        let bytes = Data([0x22, 0xC3, 0x28, 0x22])
        #expect(throws: JSONParseError.self) { try JSONReader.parse(bytes) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONReader.parse(deep) }
        let ok = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(try JSONReader.parse(ok).arrayValue != nil)
    }

    @Test func bigIntegersAndExponents() throws {
        #expect(try JSONReader.parse("9223372036854775807") == JSONValue.int(Int64.max))
        #expect(try JSONReader.parse("9223372036854775808") == .double(9223372036854775808))
        #expect(throws: JSONParseError.self) { try JSONReader.parse("1e400") }
    }

    @Test func objectIDsAndDates() throws {
        let id = ObjectID.generate()
        #expect(id.hex.count == 24)
        #expect(ObjectID(json: id.json) == id)
        #expect(ObjectID("6b068422b4d63c87219c5c57") != nil)
        #expect(ObjectID("6b068422b4d63c87219c5c5") == nil)
        #expect(ObjectID("zz068422b4d63c87219c5c57") == nil)
        let date = ExtendedDate.date(from: try json(#"{"$date": 1795589154654}"#))!
        #expect(ExtendedDate.iso(date) == "2026-11-25T06:45:54Z")
        #expect(ExtendedDate.date(from: try json(#"{"$date": "2026-11-25T06:45:54.654Z"}"#)) == date)
        #expect(ExtendedDate.date(from: try json(#"{"$date": {"$numberLong": "1795589154654"}}"#)) == date)
        #expect(ExtendedDate.date(from: try json(#"{"$date": "yesterday"}"#)) == nil)
    }
}
