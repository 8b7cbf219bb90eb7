import UserSyncCore

extension UserSyncConfiguration {
    /// `providers`: the enabled ones (at least one), each as its own schema read it.
    public struct ProvidersSettings: Sendable, Equatable {
        public struct Entry: Sendable {
            /// The provider's schema, as registered with the loader.
            public let schema: any ProviderConfigSchema.Type
            public var settings: any ProviderSettings

            public var id: ProviderID { schema.id }

            public init(schema: any ProviderConfigSchema.Type, settings: any ProviderSettings) {
                self.schema = schema
                self.settings = settings
            }
        }

        /// Every provider the file could configure, in registration order: rendered (a
        /// disabled one as `enabled: false`) and registered again when the file is reloaded.
        public let registered: [any ProviderConfigSchema.Type]
        /// The enabled providers, in registration order.
        public var enabled: [Entry]

        public init(registered: [any ProviderConfigSchema.Type], enabled: [Entry] = []) {
            self.registered = registered
            self.enabled = enabled
        }

        /// The settings of an enabled provider. Setting nil disables it; setting a value
        /// enables it, when the provider is registered.
        public subscript(id: ProviderID) -> (any ProviderSettings)? {
            get { enabled.first { $0.id == id }?.settings }
            set {
                if let index = enabled.firstIndex(where: { $0.id == id }) {
                    if let newValue { enabled[index].settings = newValue } else { enabled.remove(at: index) }
                } else if let newValue, let schema = registered.first(where: { $0.id == id }) {
                    enabled.append(Entry(schema: schema, settings: newValue))
                    let order = registered.map { $0.id }
                    enabled.sort { order.firstIndex(of: $0.id)! < order.firstIndex(of: $1.id)! }
                }
            }
        }

        /// The enabled providers' names, in registration order.
        public var ids: [ProviderID] { enabled.map(\.id) }

        /// Every secret every enabled provider declares.
        public var secrets: [Secret] { enabled.flatMap(\.settings.secrets) }

        public static func == (a: ProvidersSettings, b: ProvidersSettings) -> Bool {
            a.registered.map { ObjectIdentifier($0) } == b.registered.map { ObjectIdentifier($0) }
                && a.enabled.count == b.enabled.count
                && zip(a.enabled, b.enabled).allSatisfy { $0.id == $1.id && $0.settings.isEqual(to: $1.settings) }
        }
    }

    /// Every secret value of the configuration (each enabled provider's, the source's
    /// password), so that the log scrubber can blot them out wherever they appear.
    public var secretValues: [String] {
        (providers.secrets + source.options.secrets).map(\.revealed)
    }
}
