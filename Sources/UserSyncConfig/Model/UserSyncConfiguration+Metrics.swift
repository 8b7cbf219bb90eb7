extension UserSyncConfiguration {
    /// `metrics`.
    public struct MetricsSettings: Sendable, Equatable {
        /// `metrics.listen`: where to serve metrics; nil (the default) turns the listener off.
        public var listen: ListenAddress?

        public init(listen: ListenAddress? = nil) {
            self.listen = listen
        }
    }

    /// A `host:port` to listen on (`127.0.0.1:9464`, `[::1]:9464`, `localhost:9464`).
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        /// Host name or IP address, without IPv6 brackets.
        public var host: String
        /// 1...65535.
        public var port: Int

        public init(host: String, port: Int) {
            self.host = host
            self.port = port
        }

        /// `host:port`, with brackets around an IPv6 address.
        public var description: String {
            host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        }
    }
}
