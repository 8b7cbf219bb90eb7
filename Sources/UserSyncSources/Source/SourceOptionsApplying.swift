/// A kind's settings, as read from the config file, put in the readers' terms.
public protocol SourceOptionsApplying {
    /// Sets what this kind's settings add to the shared options (kind, location, settling).
    func apply(to options: inout SourceOptions)
}
