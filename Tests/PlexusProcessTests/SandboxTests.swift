import Foundation
import PlexusProcess
import PlexusTopology
import Testing

/// `sandbox:` on real processes: a network namespace for `network: false`, and a Landlock domain that
/// lets the process read only its defaults and `read_only_paths`, and write only `writable_paths`.
@Suite("Sandbox", .serialized)
struct SandboxTests {
    static let enforceable = SandboxPlan.problems(for: SandboxSpec(network: false)).isEmpty
    /// Debian's Python: under /usr, which every sandbox may read.
    static let python = "/usr/bin/python3"

    /// What a finished process printed, and how it ended.
    struct Outcome {
        var output: String
        var status: Int32
    }

    /// Launches `command` (with `sandbox`, if any) in `directory`, reads its output to the end and
    /// waits for it, at most 30 s.
    private func run(_ command: [String], sandbox: SandboxSpec?, directory: String) throws -> Outcome {
        var request = LaunchRequest(command: command, environment: ["PATH": "/usr/bin:/bin"], workingDirectory: directory)
        if let sandbox {
            request.sandbox = SandboxPlan.request(
                sandbox, program: command[0], script: nil, workingDirectory: directory, ipcDirectory: nil)
        }
        let process = try ProcessLauncher.launch(request)
        defer {
            close(process.stdout)
            close(process.stderr)
            if process.pidfd >= 0 { close(process.pidfd) }
        }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(30)
        var poll = pollfd(fd: process.stdout, events: Int16(POLLIN), revents: 0)
        while Date() < deadline, Glibc.poll(&poll, 1, 1_000) >= 0 {
            guard poll.revents != 0 else { continue }
            let count = read(process.stdout, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        // What it wrote to stderr (small: read once it has closed stdout).
        while true {
            var errorPoll = pollfd(fd: process.stderr, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&errorPoll, 1, 100) > 0 else { break }
            let count = read(process.stderr, &buffer, buffer.count)
            if count <= 0 { break }
            output += buffer[0..<count]
        }
        var status: Int32 = 0
        if Date() >= deadline { ProcessLauncher.signal(process.pid, SIGKILL) }
        while waitpid(process.pid, &status, 0) < 0 && errno == EINTR {}
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return Outcome(output: String(decoding: output, as: UTF8.self), status: exit)
    }

    /// A listening TCP socket on 127.0.0.1 (port 0: any free one); returns the descriptor and port.
    private func listener() throws -> (Int32, UInt16) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && listen(descriptor, 8) == 0
                    && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard descriptor >= 0, bound else { throw POSIXError(.EADDRNOTAVAIL) }
        return (descriptor, UInt16(bigEndian: address.sin_port))
    }

    @Test(
        "network: false: no TCP connection to 127.0.0.1; without it (or without a sandbox) the same one works",
        .enabled(if: enforceable, "needs Landlock and network namespaces"))
    func network() throws {
        let (server, port) = try listener()
        defer { close(server) }
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = """
            import socket
            s = socket.socket()
            s.settimeout(5)
            try:
                s.connect(("127.0.0.1", \(port)))
                print("connected")
            except OSError as e:
                print("refused", e.errno)
            """
        let confined = try run([Self.python, "-c", script], sandbox: SandboxSpec(network: false), directory: directory)
        #expect(confined.output.hasPrefix("refused"), "\(confined.output)")
        let open = try run([Self.python, "-c", script], sandbox: nil, directory: directory)
        #expect(open.output == "connected\n", "\(open.output)")
        let filesOnly = try run([Self.python, "-c", script], sandbox: SandboxSpec(network: true), directory: directory)
        #expect(filesOnly.output == "connected\n", "\(filesOnly.output)")
    }

    @Test(
        "files: read only inside read_only_paths (and the defaults), write only inside writable_paths",
        .enabled(if: enforceable, "needs Landlock"))
    func files() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for directory in ["readable", "writable", "outside", "cwd"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        try "yes".write(toFile: "\(root)/readable/in.txt", atomically: true, encoding: .utf8)
        try "secret".write(toFile: "\(root)/outside/secret.txt", atomically: true, encoding: .utf8)
        let script = """
            import sys
            def attempt(what, action):
                try:
                    action()
                    print(what, "ok")
                except OSError as e:
                    print(what, "errno", e.errno)
            root = sys.argv[1]
            attempt("read-inside", lambda: open(root + "/readable/in.txt").read())
            attempt("read-outside", lambda: open(root + "/outside/secret.txt").read())
            attempt("list-outside", lambda: __import__("os").listdir(root + "/outside"))
            attempt("write-writable", lambda: open(root + "/writable/new.txt", "w").write("x"))
            attempt("write-readable", lambda: open(root + "/readable/new.txt", "w").write("x"))
            attempt("write-cwd", lambda: open("here.txt", "w").write("x"))
            attempt("read-shadow", lambda: open("/etc/shadow").read())
            attempt("read-proc-self", lambda: open("/proc/self/status").read())
            attempt("read-proc-1", lambda: open("/proc/1/environ").read())
            attempt("write-devnull", lambda: open("/dev/null", "w").write("x"))
            import socket
            server = socket.socket(socket.AF_UNIX)
            try:
                server.bind(root + "/outside/made.sock")
                print("bind-outside ok")
            except OSError as e:
                print("bind-outside errno", e.errno)
            attempt("connect-outside", lambda: socket.socket(socket.AF_UNIX).connect(root + "/outside/listening.sock"))
            caps = [l.split()[1] for l in open("/proc/self/status") if l.startswith(("CapEff", "CapBnd"))]
            print("capabilities", ",".join(caps))
            """
        // A unix socket outside the sandbox that someone listens on.
        let listening = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listening) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let socketPath = "\(root)/outside/listening.sock"
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            socketPath.utf8CString.withUnsafeBytes { buffer.copyMemory(from: $0) }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listening, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) == 0 && listen(listening, 4) == 0
            }
        }
        #expect(bound)
        let sandbox = SandboxSpec(readOnlyPaths: ["\(root)/readable"], writablePaths: ["\(root)/writable"])
        let outcome = try run([Self.python, "-c", script, root], sandbox: sandbox, directory: "\(root)/cwd")
        let lines = Dictionary(
            uniqueKeysWithValues: outcome.output.split(separator: "\n").map { line -> (String, String) in
                let parts = line.split(separator: " ", maxSplits: 1)
                return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
            })
        #expect(outcome.status == 0, "\(outcome.output)")
        for allowed in ["read-inside", "write-writable", "read-proc-self", "write-devnull"] {
            #expect(lines[allowed] == "ok", "\(allowed): \(outcome.output)")
        }
        // EACCES (13): Landlock's refusal.
        for denied in [
            "read-outside", "list-outside", "write-readable", "write-cwd", "read-shadow", "read-proc-1", "bind-outside",
        ] {
            #expect(lines[denied] == "errno 13", "\(denied): \(outcome.output)")
        }
        // Landlock up to ABI 7 does not govern connect(2) to a named unix socket: docs/SECURITY.md says so.
        print("connect to a unix socket outside the sandbox: \(lines["connect-outside"] ?? "?")")
        // Root in the sandbox keeps no capability (effective and bounding sets empty).
        #expect(lines["capabilities"] == "0000000000000000,0000000000000000", "\(outcome.output)")
        #expect(FileManager.default.fileExists(atPath: "\(root)/writable/new.txt"))
        #expect(!FileManager.default.fileExists(atPath: "\(root)/readable/new.txt"))
    }

    @Test(
        "a Swift program runs sandboxed: its toolchain's runtime comes from its ELF RUNPATH",
        .enabled(if: enforceable, "needs Landlock"))
    func swiftProgram() throws {
        let plexus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/debug/plexus").path
        try #require(FileManager.default.isExecutableFile(atPath: plexus), "build plexus first")
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let outcome = try run([plexus, "--version"], sandbox: SandboxSpec(network: false), directory: directory)
        #expect(outcome.status == 0 && !outcome.output.isEmpty, "\(outcome.status): \(outcome.output)")
        // The run path's `$ORIGIN` is the program's own directory.
        let rules = SandboxPlan.request(
            SandboxSpec(), program: plexus, script: nil, workingDirectory: directory, ipcDirectory: nil
        ).rules.map(\.path)
        #expect(rules.contains { $0.hasSuffix("/lib/swift/linux") }, "\(rules)")
        let resolved = URL(fileURLWithPath: plexus).resolvingSymlinksInPath().deletingLastPathComponent().path
        #expect(rules.contains(resolved), "\(rules)")
    }

    @Test("a path the topology names that does not exist fails the launch, saying which")
    func missingPath() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let sandbox = SandboxSpec(writablePaths: ["\(directory)/nope"])
        #expect {
            try run(["/bin/true"], sandbox: sandbox, directory: directory)
        } throws: { error in
            "\(error)".contains("sandbox.writable_paths: cannot allow \(directory)/nope: No such file or directory")
        }
    }

    @Test("the default rules: the system's directories and the program, never the root directory")
    func defaults() throws {
        let paths = SandboxPlan.request(
            SandboxSpec(), program: "/bin/sh", script: nil, workingDirectory: "/", ipcDirectory: nil
        ).rules.map(\.path)
        #expect(!paths.contains("/"), "the root directory is never a rule: \(paths)")
        #expect(paths.contains("/bin/sh") && paths.contains("/usr"))
    }

    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "plexus-sandbox-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
