/// FNV-1a, 64-bit: a fast, non-cryptographic hash for content fingerprints (detecting
/// change, not tampering).
struct FNV1a64 {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    static let prime: UInt64 = 0x0000_0100_0000_01b3

    private(set) var value: UInt64 = Self.offsetBasis

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var hash = value
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= Self.prime
        }
        value = hash
    }

    mutating func combine(_ text: String) {
        var copy = text
        copy.withUTF8 { combine(UnsafeRawBufferPointer($0)) }
        // A separator so that ("ab", "c") and ("a", "bc") differ.
        withUnsafeBytes(of: UInt8(0)) { combine($0) }
    }

    /// Sixteen lowercase hex digits.
    var hex: String { Self.hex(value) }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
