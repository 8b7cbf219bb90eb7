/// The digest of a canonical text, computed as the text is written instead of after it is
/// built: FNV-1a over exactly the bytes `JSONValue.appendCanonical` produces.
///
/// Projectors use it to digest the document they would build without building it (no
/// dictionaries, no byte buffer), which is what an unchanged user costs the planner. The
/// caller writes keys in canonical order itself, e.g. for `{"a":1,"b":"x"}`:
///
///     var hasher = CanonicalHasher()
///     hasher.raw("{\"a\":")
///     hasher.value(.number("1"))
///     hasher.raw(",\"b\":")
///     hasher.string("x")
///     hasher.raw("}")
///     hasher.digest  // == (["a": 1, "b": "x"] as JSONValue).digest
public struct CanonicalHasher {
    static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    @usableFromInline static let prime: UInt64 = 0x0000_0100_0000_01b3

    @usableFromInline var state = CanonicalHasher.offsetBasis

    public init() {}

    public var digest: DocumentDigest { DocumentDigest(rawValue: state) }

    /// Bytes written as they are: punctuation and keys that need no escaping (`{"Email":`).
    /// Inlinable so that a projector's constant keys are hashed in place, not through a call.
    @inlinable
    public mutating func raw(_ text: StaticString) {
        var hash = state
        for offset in 0..<text.utf8CodeUnitCount {
            hash = (hash ^ UInt64(text.utf8Start[offset])) &* Self.prime
        }
        state = hash
    }

    /// A JSON string: quoted and escaped as the canonical text escapes it.
    public mutating func string(_ text: String) {
        CanonicalWriter.writeString(text, to: &self)
    }

    /// A JSON string given by its UTF-8 bytes (for instance a slice of a longer string).
    public mutating func string(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        CanonicalWriter.writeString(utf8: bytes, to: &self)
    }

    /// Any value, in canonical form (object keys sorted, numbers normalised).
    public mutating func value(_ value: JSONValue) {
        CanonicalWriter.write(value, to: &self)
    }

    /// An object, in canonical form: what `value(.object(members))` writes.
    public mutating func object(_ members: [String: JSONValue]) {
        CanonicalWriter.writeObject(members, to: &self)
    }
}

extension CanonicalHasher: CanonicalSink {
    @inline(__always)
    mutating func append(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = state
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* Self.prime
        }
        state = hash
    }

    /// One pass: each byte is checked and hashed together (hashing is bound by the
    /// multiply's latency, so the check comes for free), unlike scanning runs first.
    @inline(__always)
    mutating func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>) {
        var hash = state
        for byte in bytes {
            if CanonicalWriter.needsEscape(byte) {
                state = hash
                CanonicalWriter.writeEscape(byte, to: &self)
                hash = state
            } else {
                hash = (hash ^ UInt64(byte)) &* Self.prime
            }
        }
        state = hash
    }
}
