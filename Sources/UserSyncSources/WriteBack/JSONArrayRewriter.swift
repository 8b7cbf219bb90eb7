import UserSyncCore

/// `write_back: rewrite` for a JSON array file: the bytes between elements are copied as
/// they stream by, and each element is copied as it is unless it is the object of a user
/// with changes, which is then edited in place (`JSONObjectEditor`). It cuts elements with
/// the reader's own `JSONArrayCutter`, holding one element at a time; an element over
/// `JSONArraySource.maxElementBytes` is copied through without being held.
///
/// A file the reader would refuse (not an array, text after it, truncated) is not rewritten.
struct JSONArrayRewriter {
    let path: String
    let maxElementBytes: Int
    private var cutter = JSONArrayCutter()
    private var carry: [UInt8] = []
    private var overlong = false
    private(set) var modified = false

    init(path: String, maxElementBytes: Int) {
        self.path = path
        self.maxElementBytes = maxElementBytes
    }

    static func transform(
        _ input: borrowing InputFile, _ output: inout OutputFile, plan: inout WriteBackPlan, idColumn: String, path: String,
        reading: RewriteInput
    ) throws -> Bool {
        var rewriter = JSONArrayRewriter(path: path, maxElementBytes: reading.maxItemBytes ?? JSONArraySource.maxElementBytes)
        let bom = try reading.copyBOM(of: input, to: &output)
        try reading.forEachChunk(of: input, skipping: bom) { chunk in
            try rewriter.feed(chunk, to: &output, plan: &plan) { element, plan in
                JSONLRewriter.edit(element, plan: &plan, idColumn: idColumn)
            }
        }
        try rewriter.finish()
        try output.flush()
        return rewriter.modified
    }

    mutating func feed(
        _ chunk: UnsafeBufferPointer<UInt8>, to output: inout OutputFile, plan: inout WriteBackPlan,
        _ edit: (UnsafeBufferPointer<UInt8>, inout WriteBackPlan) -> [UInt8]?
    ) throws {
        let count = chunk.count
        var passStart = cutter.position == .inElement ? -1 : 0
        var elementStart = cutter.position == .inElement ? 0 : -1
        for index in 0..<count {
            switch cutter.step(chunk[index]) {
            case .none, .arrayCloses, .empty:
                break
            case .elementStarts:
                try output.write(UnsafeBufferPointer(rebasing: chunk[passStart..<index]))
                passStart = -1
                elementStart = index
                overlong = false
            case .elementEnds:
                try finishElement(UnsafeBufferPointer(rebasing: chunk[elementStart..<index]), &output, edit, &plan)
                elementStart = -1
                passStart = index
            case .notAnArray:
                throw SourceError(.invalidContent("is not a JSON array; it is not rewritten"), path: path)
            case .textAfterArray:
                throw SourceError(.invalidContent("has text after the closing ']' of the array; it is not rewritten"), path: path)
            }
        }
        if cutter.position == .inElement {
            try keep(UnsafeBufferPointer(rebasing: chunk[max(elementStart, 0)..<count]), &output)
        } else {
            try output.write(UnsafeBufferPointer(rebasing: chunk[passStart..<count]))
        }
    }

    func finish() throws(SourceError) {
        guard cutter.position == .afterArray else {
            throw SourceError(
                .invalidContent("ends before its array is closed (truncated or still being written); it is not rewritten"),
                path: path)
        }
    }

    /// Holds the part of an element that continues in the next chunk.
    private mutating func keep(_ bytes: UnsafeBufferPointer<UInt8>, _ output: inout OutputFile) throws {
        if overlong {
            try output.write(bytes)
        } else if carry.count + bytes.count > maxElementBytes {
            try output.write(carry)
            try output.write(bytes)
            carry.removeAll()
            overlong = true
        } else {
            carry.append(contentsOf: bytes)
        }
    }

    private mutating func finishElement(
        _ tail: UnsafeBufferPointer<UInt8>, _ output: inout OutputFile,
        _ edit: (UnsafeBufferPointer<UInt8>, inout WriteBackPlan) -> [UInt8]?, _ plan: inout WriteBackPlan
    ) throws {
        if overlong {
            overlong = false
            try output.write(tail)
            return
        }
        func handle(_ element: UnsafeBufferPointer<UInt8>, _ output: inout OutputFile) throws {
            if let edited = edit(element, &plan) {
                modified = true
                try output.write(edited)
            } else {
                try output.write(element)
            }
        }
        if carry.count + tail.count > maxElementBytes {
            try output.write(carry)
            try output.write(tail)
            carry.removeAll()
        } else if carry.isEmpty {
            try handle(tail, &output)
        } else {
            carry.append(contentsOf: tail)
            let element = carry
            carry.removeAll(keepingCapacity: carry.capacity <= 1 << 20)
            try element.withUnsafeBufferPointer { try handle($0, &output) }
        }
    }
}
