import Foundation
import Testing
import UserSyncCore
@testable import UserSyncSources
import UserSyncTesting

@Suite("File source fingerprints")
struct FingerprintTests {
    @Test("unchanged files give equal fingerprints; any edit changes them", arguments: ["jsonl", "json", "csv"])
    func fileFingerprints(kind: String) throws {
        // Given
        let dir = try TemporaryDirectory()
        let path = try dir.write("users", "id,name\nu1,Ada\n")
        let source = try SourceRegistry.make(SourceOptions(kind: kind, path: path))
        let first = try source.fingerprint()
        // Then: stable, also through a fresh source object
        #expect(try source.fingerprint() == first)
        #expect(try SourceRegistry.make(SourceOptions(kind: kind, path: path)).fingerprint() == first)

        // When: same size, different byte, mtime forced back to the old value
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        try dir.write("users", "id,name\nu1,Eva\n")
        try FileManager.default.setAttributes([.modificationDate: attributes[.modificationDate]!], ofItemAtPath: path)
        // Then
        #expect(try source.fingerprint() != first)
    }

    @Test("a cached hash is reused for an unchanged file, and not after a same-size edit with the old mtime")
    func cachedHashIsNotTrustedBlindly() throws {
        // Given: a fingerprinter trusting files untouched for 50 ms, and a file older than that
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", "{\"id\":\"1\"}\n")
        let old = Date(timeIntervalSinceNow: -3600)
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        Thread.sleep(forTimeInterval: 0.1)
        let fingerprinter = FileFingerprinter(racyWindow: 50_000_000)
        let first = try fingerprinter.components(path: path).map { "\($0)=\($1)" }
        #expect(fingerprinter.hasCachedHash)
        #expect(try fingerprinter.components(path: path).map { "\($0)=\($1)" } == first)
        // When: rewritten in place with the same size, mtime set back (as `cp -p` would)
        try dir.write("users.jsonl", "{\"id\":\"2\"}\n")
        try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: path)
        // Then: ctime moved, so the cached hash is not used and the new one differs
        let second = try fingerprinter.components(path: path).map { "\($0)=\($1)" }
        #expect(second != first)
        #expect(second.filter { $0.hasPrefix("fnv1a64=") } != first.filter { $0.hasPrefix("fnv1a64=") })
    }

    @Test("a file changed less than the racy window ago is hashed every time")
    func freshFilesAreNotCached() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", "{\"id\":\"1\"}\n")
        let fingerprinter = FileFingerprinter()
        _ = try fingerprinter.components(path: path)
        #expect(!fingerprinter.hasCachedHash)
    }

    @Test("the same file read with other options has another fingerprint")
    func optionsArePartOfTheFingerprint() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.csv", "id;name\nu1;Ada\n")
        let comma = try CSVSource(path: path).fingerprint()
        let semicolon = try CSVSource(path: path, delimiter: UInt8(ascii: ";")).fingerprint()
        #expect(comma != semicolon)
    }

    @Test("a fingerprint survives storage as text and as Codable")
    func storage() throws {
        let dir = try TemporaryDirectory()
        let path = try dir.write("users.jsonl", "{\"id\":\"1\"}\n")
        let fingerprint = try JSONLSource(path: path).fingerprint()
        #expect(SourceFingerprint(storageText: fingerprint.storageText) == fingerprint)
        let data = try JSONEncoder().encode([fingerprint])
        #expect(try JSONDecoder().decode([SourceFingerprint].self, from: data) == [fingerprint])
        #expect(SourceFingerprint(storageText: "") == nil)
        #expect(SourceFingerprint(storageText: "v0;size=1") == nil)
        #expect(SourceFingerprint(storageText: "garbage") == nil)
    }

    @Test("fingerprinting a missing file is a SourceError")
    func missing() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path("absent.csv")
        let error = sourceError { _ = try CSVSource(path: path).fingerprint() }
        #expect(error?.description == "cannot open source \(path): No such file or directory")
    }
}
