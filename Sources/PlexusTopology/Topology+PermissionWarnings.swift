extension Topology {
    /// What an operator should know about the permissions of this file (docs/SECURITY.md, "Permissions"):
    /// blocks that are not enforced because `security.curve` is off, and, with it on, plugins and clients
    /// that may do nothing (deny by default). Shown by `plexus check` and the broker's start log.
    public var permissionWarnings: [String] {
        let clientsWithBlocks = security.clientPermissions.keys.sorted()
        guard security.curve else {
            var places = plugins.filter { $0.permissions != nil }.map { "plugins.\($0.name).permissions" }
            places += clientsWithBlocks.map { "security.clients.\($0).permissions" }
            if security.defaultPermissions != nil { places.append("security.default_permissions") }
            return places.map { "\($0): not enforced: permissions need security.curve (every peer may do everything)" }
        }
        guard security.defaultPermissions == nil else { return [] }
        let bare =
            plugins.filter { $0.permissions == nil && !$0.plainProcess }.map { "plugins.\($0.name)" }
            + security.clients.keys.sorted().filter { security.clientPermissions[$0] == nil }.map { "security.clients.\($0)" }
        return bare.map {
            "\($0): no permissions: it may register and connect, nothing else (deny by default; see security.default_permissions)"
        }
    }
}
