extension UserSyncConfiguration {
    /// A credential read from the config file, the environment or a file.
    ///
    /// Printing, interpolating, dumping or debugging a `Secret` shows `<redacted>`; the value is
    /// reachable only through `revealed`, so that every use of it is visible in review.
    public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible,
        CustomReflectable
    {
        /// Where the value came from (safe to print: names, never the value).
        public enum Origin: Sendable, Equatable, CustomStringConvertible {
            /// Written in the config file.
            case inline
            /// Read from this environment variable.
            case environment(variable: String)
            /// Read from this file (absolute path).
            case file(path: String)

            public var description: String {
                switch self {
                case .inline: "inline in the config file"
                case let .environment(variable): "environment variable \(variable)"
                case let .file(path): "file \(path)"
                }
            }
        }

        private let value: String
        /// Where the value came from.
        public let origin: Origin

        public init(_ value: String, origin: Origin = .inline) {
            self.value = value
            self.origin = origin
        }

        /// The secret itself. Never log it.
        public var revealed: String { value }

        public var description: String { "<redacted>" }
        public var debugDescription: String { "<redacted>" }
        public var customMirror: Mirror { Mirror(self, children: ["value": "<redacted>"]) }
    }
}
