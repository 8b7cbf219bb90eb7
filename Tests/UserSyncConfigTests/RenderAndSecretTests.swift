import Foundation
import Testing
import UserSyncProviders
@testable import UserSyncConfig

@Suite("Effective config and secrets")
struct RenderAndSecretTests {
    typealias Fixture = ConfigFixture

    @Test("renderEffective never contains a secret, and reads back as the same configuration")
    func renderEffectiveRedacts() throws {
        // Given a configuration with secrets inline, from the environment and with every section
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: """
                token_env: CB_TOKEN
                content: { "plan": Plan, "odd key: x": "Field #1" }
            sync: { interval: 1h30m, direction: push }
            retry: { max_attempts: 0 }
            metrics: { listen: 127.0.0.1:9464 }
            """)
        let config = try Fixture.parse(yaml, environment: ["CB_TOKEN": "env-token-VALUE"])
        // When it is rendered
        let rendered = config.renderEffective()
        // Then no secret appears, the secrets' origins do, and defaults are filled in
        #expect(!rendered.contains(Fixture.performChatSecret))
        #expect(!rendered.contains("env-token-VALUE"))
        #expect(rendered.contains("key_secret: <redacted>  # from inline in the config file"))
        #expect(rendered.contains("token: <redacted>  # from environment variable CB_TOKEN"))
        #expect(rendered.contains("interval: 1h30m"))
        #expect(rendered.contains("max_attempts: 0  # unlimited"))
        #expect(rendered.contains("pull_interval: 5m"))
        #expect(rendered.contains("listen: 127.0.0.1:9464"))
        // And the rendering is a valid config equal to the original but for the secrets' values
        var reread = try Fixture.parse(rendered)
        #expect(reread.providers.performChat?.keySecret.revealed == "<redacted>")
        reread.providers.performChat?.keySecret = config.providers.performChat!.keySecret
        reread.providers.commBox?.token = config.providers.commBox!.token
        #expect(reread == config)
    }

    @Test("a disabled provider renders as enabled: false")
    func renderDisabled() throws {
        let yaml = Fixture.valid(replacing: "    token: \(Fixture.commBoxToken)", with: "    enabled: false")
        let rendered = try Fixture.parse(yaml).renderEffective()
        #expect(rendered.contains("  commbox:\n    enabled: false\n"))
    }

    @Test("a Secret prints, interpolates, debugs and dumps as <redacted>")
    func secretIsRedacted() {
        let secret = UserSyncConfiguration.Secret("hunter2")
        var dumped = ""
        dump(secret, to: &dumped)
        for text in ["\(secret)", String(describing: secret), String(reflecting: secret), dumped,
                     String(describing: Optional(secret)), "\([secret])"] {
            #expect(!text.contains("hunter2"), "leaked in: \(text)")
        }
        #expect(secret.description == "<redacted>")
        #expect(secret.revealed == "hunter2")
    }

    @Test("a whole configuration printed with dump or String(describing:) holds no secret")
    func configurationDescriptionRedacts() throws {
        let config = try Fixture.parse(Fixture.valid)
        var dumped = ""
        dump(config, to: &dumped)
        for text in [dumped, String(describing: config), String(reflecting: config)] {
            #expect(!text.contains(Fixture.performChatSecret))
            #expect(!text.contains(Fixture.commBoxToken))
        }
    }
}

@Suite("Durations")
struct DurationSyntaxTests {
    @Test("durations parse", arguments: [
        ("250ms", Duration.milliseconds(250)), ("30s", .seconds(30)), ("5m", .seconds(300)),
        ("1h", .seconds(3_600)), ("1h30m", .seconds(5_400)), ("2m30s500ms", .milliseconds(150_500)), ("0s", .zero),
    ])
    func parses(text: String, expected: Duration) {
        #expect(DurationSyntax.parse(text) == .success(expected))
    }

    @Test("durations format back to the shortest form", arguments: [
        (Duration.milliseconds(250), "250ms"), (.seconds(5_400), "1h30m"), (.seconds(300), "5m"), (.zero, "0s"),
        (.milliseconds(61_001), "1m1s1ms"),
    ])
    func formats(duration: Duration, expected: String) {
        #expect(DurationSyntax.format(duration) == expected)
        #expect(DurationSyntax.parse(expected) == .success(duration))
    }

    @Test("bad durations are classified", arguments: [
        ("", DurationSyntax.Failure.empty), ("30", .missingUnit), ("1h30", .missingUnit), ("-1s", .negative),
        ("3d", .unknownUnit("d")), ("1.5s", .malformed), ("s", .malformed), ("99999999999999999999h", .tooLarge),
    ])
    func failures(text: String, failure: DurationSyntax.Failure) {
        #expect(DurationSyntax.parse(text) == .failure(failure))
    }
}

@Suite("Loopback hosts")
struct LoopbackTests {
    @Test("loopback", arguments: ["127.0.0.1", "127.255.0.9", "localhost", "LOCALHOST", "[::1]", "::1",
                                  "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"])
    func loopback(host: String) {
        #expect(BaseURLRule.isLoopback(host: host))
    }

    @Test("not loopback", arguments: ["128.0.0.1", "10.0.0.1", "api.commbox.io", "localhost.example.com",
                                      "::2", "127.0.0.1.nip.io"])
    func notLoopback(host: String) {
        #expect(!BaseURLRule.isLoopback(host: host))
    }
}
