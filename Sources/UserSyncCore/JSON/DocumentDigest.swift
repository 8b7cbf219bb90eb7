/// A 64-bit FNV-1a digest of a document's canonical text: what the snapshot stores to tell
/// "unchanged" from "changed" without holding a million documents in memory.
public struct DocumentDigest: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
    }

    public init(of bytes: some Sequence<UInt8>) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        self.rawValue = hash
    }

    /// SQLite stores signed 64-bit integers.
    public var storageValue: Int64 { Int64(bitPattern: rawValue) }

    public init(storageValue: Int64) {
        self.rawValue = UInt64(bitPattern: storageValue)
    }

    public var description: String {
        let hex = String(rawValue, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
