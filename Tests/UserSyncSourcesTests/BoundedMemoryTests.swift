import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

/// Lines, rows and elements over the size limit are reported without being held in memory,
/// and the reading carries on after them. Limits are shrunk to a few bytes here.
@Suite("Size limits")
struct BoundedMemoryTests {
    @Test("a JSONL line over the limit is reported as too long; the next lines keep their numbers")
    func longLine() throws {
        let dir = try TemporaryDirectory()
        let long = String(repeating: "x", count: 300)
        let path = try dir.write("lines.jsonl", "short\n\(long)\nafter\n\(long)")
        let file = try InputFile(path: path)
        var seen: [String] = []
        try LineReader.forEachLine(in: file, maxLineBytes: 64) { line, number in
            switch line {
            case .bytes(let bytes, _): seen.append("\(number):\(String(decoding: bytes, as: UTF8.self))")
            case .tooLong: seen.append("\(number):too long")
            }
        }
        #expect(seen == ["1:short", "2:too long", "3:after", "4:too long"])
    }

    @Test("a line longer than the first buffer but under the limit is read whole")
    func bufferGrows() throws {
        let dir = try TemporaryDirectory()
        let line = String(repeating: "y", count: 3 << 20)
        let path = try dir.write("lines.jsonl", "\(line)\nz")
        let file = try InputFile(path: path)
        var lengths: [Int] = []
        try LineReader.forEachLine(in: file, maxLineBytes: 4 << 20) { line, _ in
            if case .bytes(let bytes, _) = line { lengths.append(bytes.count) }
        }
        #expect(lengths == [3 << 20, 1])
    }

    @Test("a CSV row over the limit is unreadable; the next row is read")
    func longRow() throws {
        var parser = CSVParser(delimiter: UInt8(ascii: ","), maxRowBytes: 16)
        var rows: [(Int, String?, Int)] = []
        let text = Array("a,b\n\"\(String(repeating: "q", count: 40))\",x\nc,d\n".utf8)
        try text.withUnsafeBufferPointer { bytes in
            try parser.parse(bytes) { row in rows.append((row.line, row.problem, row.fields.count)) }
        }
        try parser.finish { row in rows.append((row.line, row.problem, row.fields.count)) }
        #expect(rows.count == 3)
        #expect(rows[1].0 == 2)
        #expect(rows[1].1?.contains("longer than") == true)
        #expect(rows[2].0 == 3 && rows[2].1 == nil && rows[2].2 == 2)
    }

    @Test("a JSON array element over the limit is unreadable; the next element is read")
    func longElement() throws {
        var scanner = JSONArrayScanner(path: "test.json", maxElementBytes: 32)
        var events: [String] = []
        let text = Array("[{\"id\":\"1\"}, {\"blob\":\"\(String(repeating: "z", count: 100))\"}, {\"id\":\"3\"}]".utf8)
        // Fed in small pieces so that elements straddle chunks.
        for start in stride(from: 0, to: text.count, by: 7) {
            try text[start..<min(start + 7, text.count)].withUnsafeBufferPointer { piece in
                try scanner.scan(piece) { event, location in
                    switch event {
                    case .element(let bytes, _): events.append("\(location.number):\(String(decoding: bytes, as: UTF8.self))")
                    case .tooLong: events.append("\(location.number):too long")
                    case .empty: events.append("\(location.number):empty")
                    }
                }
            }
        }
        try scanner.finish()
        #expect(events == ["1:{\"id\":\"1\"}", "2:too long", "3:{\"id\":\"3\"}"])
    }
}
