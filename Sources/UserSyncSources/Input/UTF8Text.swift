#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Strict UTF-8 decoding for row values.
enum UTF8Text {
    /// The bytes as a `String`, or nil when they are not valid UTF-8.
    ///
    /// Not `String(validating:as:)`: that initialiser is generic and not inlinable, so every
    /// call pays a runtime metadata lookup (measured: a quarter of the JSONL read time when
    /// called per JSON string). `String(decoding:as:)` is specialised; it repairs invalid
    /// input, and a repaired string never equals its input, hence the comparison — skipped
    /// for pure ASCII, which decodes verbatim.
    static func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var high: UInt8 = 0
        for byte in bytes { high |= byte }
        var string = String(decoding: bytes, as: UTF8.self)
        if high < 0x80 { return string }
        let same = string.withUTF8 { decoded in
            decoded.count == bytes.count && memcmp(decoded.baseAddress!, bytes.baseAddress!, bytes.count) == 0
        }
        return same ? string : nil
    }
}
