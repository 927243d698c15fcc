import Foundation

/// A plain left-aligned text table that fits a width: the flexible column (by default the last) is cut
/// with `…` so that each line fits, as `kubectl get` keeps to the terminal. `-o wide` renders it whole.
struct Table {
    var header: [String]
    var rows: [[String]]
    /// Lines longer than this are cut in the flexible column; nil for no limit.
    var maxWidth: Int? = Table.defaultWidth
    /// The column that gives way; nil for the last.
    var flexibleColumn: Int?
    /// Colours a cell (column, text) after padding, so that escape codes do not count toward widths.
    var style: ((Int, String) -> Terminal.Style?)?

    /// Tables fit this many columns unless asked for `wide`.
    static let defaultWidth = 100

    func render() -> String {
        var all = [header] + rows
        var widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        let flexible = flexibleColumn ?? header.count - 1
        if let maxWidth, header.indices.contains(flexible) {
            let total = widths.reduce(0, +) + 2 * (header.count - 1)
            if total > maxWidth {
                let room = max(header[flexible].count, widths[flexible] - (total - maxWidth), 4)
                widths[flexible] = room
                for index in all.indices where all[index][flexible].count > room {
                    all[index][flexible] = String(all[index][flexible].prefix(room - 1)) + "…"
                }
            }
        }
        return all.enumerated().map { rowIndex, row in
            row.enumerated().map { column, text in
                let padded = column == row.count - 1 ? text : text.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                guard rowIndex > 0, let style = style?(column, text) else { return padded }
                return Terminal.paint(padded, style)
            }
            .joined(separator: "  ").trimmingTrailingSpaces()
        }.joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
