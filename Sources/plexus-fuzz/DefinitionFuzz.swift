import PlexusTopology

/// Fuzzes the YAML readers: a task definition (`TASKS ADD`) and a whole topology (`topology.yaml`,
/// `APPLY`). The only invariant is that they return or throw a `TopologyError`, quickly: no trap, no
/// hang (libFuzzer's `-timeout`), no runaway memory (`-rss_limit_mb`).
///
/// The broker only ever hands them valid UTF-8 (`APPLY` and `TASKS ADD` check it, files are read as
/// UTF-8), so other inputs are skipped.
enum DefinitionFuzz {
    static func runTask(_ input: [UInt8]) -> FuzzTarget.Verdict {
        guard let text = String(validating: input, as: UTF8.self) else { return .skipped }
        do throws(TopologyError) {
            _ = try TaskEntryParser.parse(definition: text)
            return .accepted
        } catch {
            return .rejected
        }
    }

    static func runTopology(_ input: [UInt8]) -> FuzzTarget.Verdict {
        guard let text = String(validating: input, as: UTF8.self) else { return .skipped }
        do throws(TopologyError) {
            // A base directory that does not exist: parsing never touches the file system.
            _ = try Topology.parse(text, file: "<fuzz>", baseDirectory: "/nonexistent/plexus-fuzz")
            return .accepted
        } catch {
            return .rejected
        }
    }
}
