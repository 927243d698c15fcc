import Glibc

/// Reads the `RUNPATH` (or the older `RPATH`) of a 64-bit little-endian ELF executable: the
/// directories its dynamic loader searches first. A sandboxed Swift plugin needs its toolchain's
/// runtime libraries (`/opt/swift/usr/lib/swift/linux` here), which no default path covers.
///
/// Only a few headers are read (the ELF header, the program headers, the dynamic section and one
/// string), never executed: `ldd` would run the loader on an untrusted program. Anything that is not
/// such an ELF file has no run path.
enum ELFRunPath {
    /// The directories, with `$ORIGIN` replaced by the program's directory; [] when there are none.
    static func directories(of path: String) -> [String] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return [] }
        defer { close(descriptor) }
        let text = runPath { offset, count in
            guard offset >= 0, count > 0, count <= 1 << 20 else { return nil }
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, off_t(offset)) }
            return got == count ? bytes : nil
        }
        guard let text else { return [] }
        let origin = path.split(separator: "/", omittingEmptySubsequences: false).dropLast().joined(separator: "/")
        return text.split(separator: ":").map {
            $0.replacingOccurrences(of: "${ORIGIN}", with: origin).replacingOccurrences(of: "$ORIGIN", with: origin)
        }.filter { $0.hasPrefix("/") }
    }

    /// The run path of the ELF image that `read(offset, count)` reads from, or nil.
    static func runPath(read: (Int, Int) -> [UInt8]?) -> String? {
        func word(_ bytes: [UInt8], _ at: Int, _ size: Int) -> Int? {
            guard at >= 0, at + size <= bytes.count else { return nil }
            var value: UInt64 = 0
            for index in (0..<size).reversed() { value = value << 8 | UInt64(bytes[at + index]) }
            return value > UInt64(Int.max) ? nil : Int(value)
        }
        // ELF magic, 64-bit class, little-endian.
        guard let header = read(0, 64), header[0..<4] == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1,
            let headerOffset = word(header, 32, 8), let headerSize = word(header, 54, 2),
            let headerCount = word(header, 56, 2), headerSize >= 56, headerCount <= 256,
            let headers = read(headerOffset, headerSize * headerCount)
        else { return nil }
        var loads: [(virtual: Int, offset: Int, size: Int)] = []
        var dynamic: (offset: Int, size: Int)?
        for index in 0..<headerCount {
            let at = index * headerSize
            guard let type = word(headers, at, 4), let offset = word(headers, at + 8, 8),
                let virtual = word(headers, at + 16, 8), let size = word(headers, at + 32, 8)
            else { return nil }
            if type == 1 { loads.append((virtual, offset, size)) }  // PT_LOAD
            if type == 2 { dynamic = (offset, size) }  // PT_DYNAMIC
        }
        guard let dynamic, let entries = read(dynamic.offset, min(dynamic.size, 64 * 1024)) else { return nil }
        var stringTable: Int?
        var runPathOffset: Int?
        var entry = 0
        while entry + 16 <= entries.count, let tag = word(entries, entry, 8), tag != 0 {
            let value = word(entries, entry + 8, 8)
            if tag == 5 { stringTable = value }  // DT_STRTAB
            if tag == 29 || (tag == 15 && runPathOffset == nil) { runPathOffset = value }  // DT_RUNPATH, DT_RPATH
            entry += 16
        }
        guard let stringTable, let runPathOffset,
            let load = loads.first(where: { stringTable >= $0.virtual && stringTable < $0.virtual + $0.size })
        else { return nil }
        // One page at most: a run path is a few directories.
        guard let bytes = read(stringTable - load.virtual + load.offset + runPathOffset, 4096),
            let end = bytes.firstIndex(of: 0)
        else { return nil }
        return String(decoding: bytes[..<end], as: UTF8.self)
    }
}
