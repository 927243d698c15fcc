/// "Did you mean" for a mistyped subcommand (`plexus stauts`), as git and kubectl say it: the closest
/// subcommand by edit distance, when one is close enough to be what was meant.
enum Suggestion {
    /// The message for `word` when it is no subcommand, no option and close to one; nil otherwise (the
    /// argument parser then handles it as usual).
    static func forMistypedSubcommand(_ word: String?) -> String? {
        guard let word, !word.hasPrefix("-"), !word.isEmpty else { return nil }
        let names = Plexus.configuration.subcommands.compactMap { $0.configuration.commandName } + ["help"]
        guard !names.contains(word) else { return nil }
        // Ties go to the name of the same length (a transposition, `stauts` → `status`, before a deletion).
        let ranked = names.map { (name: $0, distance: distance(word, $0), length: abs($0.count - word.count)) }
            .sorted { ($0.distance, $0.length, $0.name) < ($1.distance, $1.length, $1.name) }
        guard let best = ranked.first, best.distance <= max(1, word.count / 3) else {
            return "plexus: unknown command '\(word)'; see `plexus --help` for the commands"
        }
        return "plexus: unknown command '\(word)'; did you mean '\(best.name)'?"
    }

    /// Levenshtein distance, with a transposition counting as one edit (`stauts` → `status`).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
