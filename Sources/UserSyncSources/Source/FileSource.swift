import UserSyncConfig
import UserSyncCore

/// What the file kinds (JSONL, JSON array, CSV) share: a path, the settle rule (a file being
/// written is never read half-way), a fingerprint from the file's size, time and content
/// hash, and parsing one batch ahead on a reader thread. A kind supplies its name, the
/// options that change what it reads, and the sequential read.
protocol FileSource: UserSource {
    static var kind: String { get }
    /// Its keys of the config file's `source` section.
    static var configSchema: any SourceConfigSchema.Type { get }
    var file: SourceFile { get }
    /// The options besides the path that change what is read (the CSV delimiter).
    var fingerprintOptions: [String] { get }

    /// A kind with options of its own checks them here.
    init(file: SourceFile) throws(SourceError)

    /// Reads the file once, in order, on the calling thread.
    func readSequentially(_ body: (SourceItem) throws -> Void) throws
}

extension FileSource {
    init(options: SourceOptions) throws(SourceError) {
        try self.init(file: SourceFile(options))
    }

    init(path: String) throws(SourceError) {
        try self.init(options: SourceOptions(kind: Self.kind, path: path))
    }

    public var path: String { file.options.path }

    /// A longer line, element or row is reported unreadable without being held in memory.
    static var maxItemBytes: Int { 16 << 20 }

    var fingerprintOptions: [String] { [] }

    public func fingerprint() throws(SourceError) -> SourceFingerprint {
        let config = SourceOptions.digest([Self.kind, path] + fingerprintOptions)
        return SourceFingerprint([("kind", Self.kind), ("config", config)] + (try file.fingerprinter.components(path: path)))
    }

    /// Parsing runs one batch ahead on a reader thread (`PipelinedReader`); `body` is called
    /// on the caller's thread, in file order.
    public func read(_ body: (SourceItem) throws -> Void) throws {
        try PipelinedReader.run(produce: { emit in try readSequentially(emit) }, consume: body)
    }

    public func requireSettled() throws(SourceError) { try file.settle.requireSettled() }

    /// Opens the file for one read, refusing it while it is still being written. `body` calls
    /// `requireUnchanged` once it has reached the end of the file: a last row without a line
    /// terminator is only trusted from a file that did not change meanwhile.
    func readSettled(_ body: (borrowing InputFile, _ requireUnchanged: () throws -> Void) throws -> Void) throws {
        let input = try InputFile(path: path)
        let start = try input.status()
        try file.settle.requireSettled(start)
        try body(input) { try file.settle.requireUnchanged(since: start, input) }
    }
}

/// The file behind a file source, as the options describe it, with the settle rule that
/// keeps a half-written file from being read and the fingerprinter that keeps its last hash.
struct SourceFile: Sendable {
    let options: SourceOptions
    let settle: SettleRule
    let fingerprinter = FileFingerprinter()

    init(_ options: SourceOptions) throws(SourceError) {
        try options.validateFileOptions()
        self.options = options
        settle = SettleRule(path: options.path, settleTime: options.settleTime)
    }
}

/// The file kinds: read whole once settled; remote changes go to the inbound changes file
/// or, with `write_back: rewrite`, into the file itself.
struct FileSourceKind<Source: RewritableSource>: SourceKind {
    var name: String { Source.kind }
    var capabilities: SourceCapabilities { [.settles, .rewrites] }
    var configSchema: any SourceConfigSchema.Type { Source.configSchema }

    func source(_ options: SourceOptions) throws(SourceError) -> any UserSource {
        try Source(options: options)
    }

    func writeBack(_ options: WriteBackOptions) throws(SourceError) -> any SourceWriteBack {
        switch options.mode {
        case .inbound: return try options.inboundWriteBack()
        case .rewrite: return try FileRewriteWriteBack(source: Source(options: options.source), mapping: options.mapping)
        }
    }
}
