import UserSyncCore

/// What the file kinds (JSONL, JSON array, CSV) share: a path, the settle rule (a file being
/// written is never read half-way), a fingerprint from the file's size, time and content
/// hash, and parsing one batch ahead on a reader thread. A kind supplies its name, the
/// options that change what it reads, and the sequential read.
protocol FileSource: UserSource {
    static var kind: String { get }
    var path: String { get }
    var settle: SettleRule { get }
    /// Kept with the source: it caches the last hash while the file stays the same.
    var fingerprinter: FileFingerprinter { get }
    /// The options besides the path that change what is read (the CSV delimiter).
    var fingerprintOptions: [String] { get }

    /// Reads the file once, in order, on the calling thread.
    func readSequentially(_ body: (SourceItem) throws -> Void) throws
}

extension FileSource {
    var fingerprintOptions: [String] { [] }

    public func fingerprint() throws(SourceError) -> SourceFingerprint {
        let config = SourceOptions.digest([Self.kind, path] + fingerprintOptions)
        return SourceFingerprint([("kind", Self.kind), ("config", config)] + (try fingerprinter.components(path: path)))
    }

    /// Parsing runs one batch ahead on a reader thread (`PipelinedReader`); `body` is called
    /// on the caller's thread, in file order.
    public func read(_ body: (SourceItem) throws -> Void) throws {
        try PipelinedReader.run(produce: { emit in try readSequentially(emit) }, consume: body)
    }

    public func requireSettled() throws(SourceError) { try settle.requireSettled() }
}
