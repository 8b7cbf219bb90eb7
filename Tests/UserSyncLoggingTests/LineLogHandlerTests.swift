import Foundation
import Logging
import Testing
@testable import UserSyncLogging

@Suite("Log line rendering")
struct LineLogHandlerTests {
    // MARK: logfmt

    @Test func logfmtPutsTheFixedKeysFirstAndTheRestInOrder() {
        // Given a logger writing logfmt
        let lines = CapturedLines()
        let logger = lines.logger(format: .logfmt)
        // When an event carries the well-known keys in any order, and others
        logger.warning("delivery failed, will retry", metadata: [
            "zeta": "1", "status": "503", "attempt": "2", "external_id": "1004", "provider": "commbox", "run": "0c1d2e3f",
        ])
        // Then run, provider, external_id, status come first, the rest sorted by key
        let line = try! #require(lines.last)
        #expect(line.hasSuffix("\n"))
        #expect(line.components(separatedBy: "\n").count == 2, "exactly one line per event")
        #expect(line.withoutTime == #"level=warning msg="delivery failed, will retry" run=0c1d2e3f provider=commbox external_id=1004 status=503 attempt=2 zeta=1"# + "\n")
        #expect(line.range(of: #"^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "#, options: .regularExpression) != nil)
    }

    @Test(arguments: [
        ("plain", "plain"),
        ("", #""""#),
        ("two words", #""two words""#),
        (#"say "hi""#, #""say \"hi\"""#),
        ("a=b", #""a=b""#),
        (#"back\slash"#, #""back\\slash""#),
        ("line1\nline2", #""line1\nline2""#),
        ("cr\rlf", #""cr\rlf""#),
        ("tab\there", #""tab\there""#),
        ("ünïcødé", "ünïcødé"),
    ])
    func logfmtQuotesOnlyWhatNeedsIt(value: String, rendered: String) {
        #expect(LineLogHandler.logfmtValue(value) == rendered)
    }

    @Test func aMultiLineMessageStaysOnOneLine() {
        let lines = CapturedLines()
        let logger = lines.logger(format: .logfmt)
        logger.error("first\nsecond", metadata: ["reason": "a\nb"])
        let line = try! #require(lines.last)
        #expect(line.filter { $0 == "\n" }.count == 1)
        #expect(line.contains(#"msg="first\nsecond""#))
        #expect(line.contains(#"reason="a\nb""#))
    }

    // MARK: JSON

    @Test func jsonLinesAreObjectsWithStringFields() throws {
        let lines = CapturedLines()
        let logger = lines.logger(format: .json)
        logger.info("cycle \"finished\"", metadata: ["run": "ab12", "pushed": "3", "reason": "tab\there\nnew \\ line \u{01}", "name": "Zoë"])
        let line = try #require(lines.last)
        #expect(line.hasSuffix("}\n"))
        #expect(line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
        #expect(object["level"] == "info")
        #expect(object["msg"] == "cycle \"finished\"")
        #expect(object["run"] == "ab12")
        #expect(object["pushed"] == "3")
        #expect(object["reason"] == "tab\there\nnew \\ line \u{01}")
        #expect(object["name"] == "Zoë")
        #expect(object["time"].map { $0.hasSuffix("Z") } == true)
        // The fixed keys lead, as in logfmt.
        #expect(line.hasPrefix(#"{"time":"#))
        #expect(line.range(of: #""msg":"cycle \"finished\"","run":"ab12","name""#) != nil)
    }

    @Test func jsonEscapesEveryControlCharacter() {
        let all = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        let text = LineLogHandler.jsonString(all)
        #expect(!text.unicodeScalars.contains { $0.value < 0x20 })
        let parsed = try? JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [String]
        #expect(parsed == [all])
    }

    // MARK: journald

    @Test func journaldPrefixesThePriorityAndLeavesTheTimeToJournald() {
        let lines = CapturedLines()
        let logger = lines.logger(format: .journald)
        logger.info("cycle finished", metadata: ["run": "r1", "pushed": "1"])
        logger.warning("delivery failed, will retry", metadata: ["provider": "commbox"])
        logger.error("credentials refused", metadata: ["provider": "performchat", "status": "401"])
        #expect(lines.all == [
            "<6>level=info msg=\"cycle finished\" run=r1 pushed=1\n",
            "<4>level=warning msg=\"delivery failed, will retry\" provider=commbox\n",
            "<3>level=error msg=\"credentials refused\" provider=performchat status=401\n",
        ])
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func syslogPriorities(level: Logger.Level, priority: Int) {
        #expect(LineLogHandler.priority(level) == priority)
        let lines = CapturedLines()
        lines.logger(format: .journald).log(level: level, "x")
        #expect(lines.last?.hasPrefix("<\(priority)>level=\(level.rawValue) ") == true)
    }

    @Test func autoMeansJournaldOnlyUnderTheJournal() {
        #expect(LogLineFormat.automatic(environment: ["JOURNAL_STREAM": "8:12345"]) == .journald)
        #expect(LogLineFormat.automatic(environment: [:]) == .logfmt)
        #expect(LogLineFormat.automatic(environment: ["TERM": "xterm"]) == .logfmt)
    }

    // MARK: Levels and metadata

    @Test func eventsBelowTheLevelAreDropped() {
        let lines = CapturedLines()
        let logger = lines.logger(format: .logfmt, level: .warning)
        logger.debug("debug")
        logger.info("info")
        logger.notice("notice")
        logger.warning("warning")
        logger.error("error")
        #expect(lines.all.map { $0.withoutTime } == ["level=warning msg=warning\n", "level=error msg=error\n"])
    }

    @Test func metadataFromTheProviderTheLoggerAndTheEventMerge() {
        // The provider supplies the cycle id; logger metadata and the event's own override in that order.
        let lines = CapturedLines()
        let provider = Logger.MetadataProvider { ["run": "fromprovider", "shared": "provider"] }
        var logger = lines.logger(format: .logfmt, metadataProvider: provider)
        logger[metadataKey: "component"] = "dispatcher"
        logger[metadataKey: "shared"] = "logger"
        logger.info("x", metadata: ["shared": "event"])
        #expect(lines.last?.withoutTime == "level=info msg=x run=fromprovider component=dispatcher shared=event\n")
    }

    @Test func everyFormatScrubsMessageAndValues() throws {
        let scrubber = Scrubber(secrets: ["s3cr3t-value"], showPII: false)
        for format in LogLineFormat.allCases {
            let lines = CapturedLines()
            lines.logger(format: format, scrubber: scrubber).error(
                "refused s3cr3t-value for jane@example.com", metadata: ["reason": "token s3cr3t-value", "email": "jane@example.com"])
            let line = try #require(lines.last)
            #expect(!line.contains("s3cr3t-value"), "\(format)")
            #expect(!line.contains("jane@example.com"), "\(format)")
            #expect(line.contains("<redacted>"), "\(format)")
            #expect(line.contains("j***@example.com"), "\(format)")
        }
    }

    // MARK: Reload

    @Test func sharedSettingsChangeEveryExistingLogger() throws {
        // Given loggers made before a reload, following shared settings
        let lines = CapturedLines()
        let settings = LogSettings(.init(level: .info, format: .logfmt, scrubber: Scrubber(secrets: ["old-secret-1"], showPII: false)))
        let logger = Logger(label: "a") { _ in LineLogHandler(settings: settings, sink: { lines.append($0) }) }
        let copy = logger
        logger.debug("hidden")
        logger.info("x old-secret-1 new-secret-2 jo@example.com")
        // When the settings change (a reload with debug, JSON, PII shown and a rotated secret)
        settings.update(.init(level: .debug, format: .json, scrubber: Scrubber(secrets: ["new-secret-2"], showPII: true)))
        copy.debug("now shown")
        copy.info("x new-secret-2 jo@example.com")
        // Then the same loggers follow them
        let all = lines.all
        try #require(all.count == 3, "\(all)")
        #expect(all[0].withoutTime == "level=info msg=\"x <redacted> new-secret-2 j***@example.com\"\n")
        #expect(all[1].contains(#""level":"debug","msg":"now shown""#))
        #expect(all[2].contains(#""msg":"x <redacted> jo@example.com""#))
    }

    @Test func aLevelSetOnOneLoggerStaysWithIt() {
        let lines = CapturedLines()
        let settings = LogSettings(.init(level: .info, format: .logfmt, scrubber: Scrubber(secrets: [], showPII: false)))
        var verbose = Logger(label: "a") { _ in LineLogHandler(settings: settings, sink: { lines.append($0) }) }
        let plain = verbose
        verbose.logLevel = .trace
        #expect(verbose.logLevel == .trace)
        #expect(plain.logLevel == .info)
        settings.update(.init(level: .error, format: .logfmt, scrubber: Scrubber(secrets: [], showPII: false)))
        #expect(verbose.logLevel == .trace)
        #expect(plain.logLevel == .error)
    }
}
