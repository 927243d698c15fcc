import Foundation
import PlexusTopology
import Testing

@testable import PlexusProbes

@Suite("Probe runner")
struct ProbeRunnerTests {
    private func run(
        _ check: ProbeSpec.Check, timeout: Int64 = 2000, directory: String? = nil, environment: [String: String] = [:]
    )
        -> ProbeOutcome
    {
        ProbeRunner.run(check, timeoutMilliseconds: timeout, workingDirectory: directory, environment: environment)
    }

    @Test("exec: exit 0 passes")
    func execPasses() {
        let outcome = run(.exec(["/bin/sh", "-c", "echo hello; echo fine"]))
        #expect(outcome == ProbeOutcome(passed: true, message: "exit 0: fine", milliseconds: outcome.milliseconds))
    }

    @Test("exec: a non-zero exit fails with the code and the last line of output (stderr too)")
    func execFails() {
        let outcome = run(.exec(["/bin/sh", "-c", "echo first; echo 'disk full' >&2; exit 3"]))
        #expect(!outcome.passed)
        #expect(outcome.message == "exit 3: disk full")
        #expect(run(.exec(["/bin/false"])).message == "exit 1")
    }

    @Test("exec: the environment is merged over the process's own, in the working directory")
    func execEnvironmentAndDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outcome = run(
            .exec(["/bin/sh", "-c", "test -n \"$PATH\" && test \"$PROBE_VALUE\" = 42 && pwd"]), directory: directory.path,
            environment: ["PROBE_VALUE": "42"])
        #expect(outcome.passed, "\(outcome.message)")
        #expect(outcome.message.hasSuffix(directory.lastPathComponent))
        #expect(run(.exec(["/bin/true"]), directory: directory.path + "/missing").message.hasPrefix("no such working directory"))
    }

    @Test("exec: a missing command fails without throwing")
    func execMissing() {
        let missing = run(.exec(["plexus-no-such-command-here"]))
        #expect(missing.passed == false)
        #expect(missing.message == "command not found: plexus-no-such-command-here")
        #expect(run(.exec([])).message == "empty command")
    }

    @Test("exec: a command that outlives its timeout is killed (its children too) within about the timeout")
    func execTimesOut() {
        let start = Date()
        // A shell whose child sleeps: the whole group must die, and the pipe the sleep holds must not stall us.
        let outcome = run(.exec(["/bin/sh", "-c", "sleep 5; echo never"]), timeout: 300)
        let elapsed = Date().timeIntervalSince(start)
        #expect(outcome.passed == false)
        #expect(outcome.message == "timed out after 300 ms")
        #expect(elapsed < 2, "took \(elapsed) s")
        #expect(outcome.milliseconds >= 300)
    }

    @Test("exec: on timeout the command's own children die too")
    func execTimeoutKillsGroup() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "probe-pid-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let outcome = run(.exec(["/bin/sh", "-c", "sleep 5 & echo $! > '\(pidFile)'; wait"]), timeout: 300)
        #expect(outcome.message == "timed out after 300 ms")
        let text = try String(contentsOfFile: pidFile, encoding: .utf8)
        let pid = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for its new parent to reap it.
        let deadline = Date().addingTimeInterval(2)
        var alive = true
        while alive && Date() < deadline {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            alive = !stat.isEmpty && !stat.contains(") Z ")
            if alive { usleep(10_000) }
        }
        #expect(!alive, "sleep \(pid) outlived the probe")
    }

    @Test("tcp: a listening socket passes, a closed port is refused")
    func tcp() throws {
        let listener = try Listener()
        defer { listener.close() }
        let open = run(.tcp(host: "127.0.0.1", port: listener.port))
        #expect(open == ProbeOutcome(passed: true, message: "tcp \(listener.port) accepted", milliseconds: open.milliseconds))
        let closed = run(.tcp(host: "127.0.0.1", port: try Listener.closedPort()))
        #expect(closed.passed == false)
        #expect(closed.message == "connection refused")
        #expect(run(.tcp(host: "no-such-host.invalid", port: 80)).message.hasPrefix("cannot resolve no-such-host.invalid"))
    }

    @Test("http: 200 passes, 503 fails, with the Host header and Connection: close")
    func http() throws {
        let server = try TinyHTTPServer(status: "200 OK")
        defer { server.stop() }
        let ok = run(.http(url: "http://127.0.0.1:\(server.port)/healthz?deep=1"))
        #expect(ok == ProbeOutcome(passed: true, message: "HTTP 200", milliseconds: ok.milliseconds))
        let request = try #require(server.requests.first)
        #expect(request.hasPrefix("GET /healthz?deep=1 HTTP/1.1\r\n"))
        #expect(request.contains("\r\nHost: 127.0.0.1:\(server.port)\r\n"))
        #expect(request.contains("\r\nConnection: close\r\n"))
        server.answer("302 Found")
        #expect(run(.http(url: "http://127.0.0.1:\(server.port)")).passed)
        server.answer("503 Service Unavailable")
        let unavailable = run(.http(url: "http://127.0.0.1:\(server.port)/"))
        #expect(unavailable.passed == false)
        #expect(unavailable.message == "HTTP 503")
    }

    @Test("http: a server that never answers times out; a closed port is refused; https is not supported")
    func httpFailures() throws {
        let silent = try Listener()  // accepts into its backlog, never answers
        defer { silent.close() }
        let start = Date()
        let outcome = run(.http(url: "http://127.0.0.1:\(silent.port)/"), timeout: 300)
        #expect(outcome.message == "timed out after 300 ms")
        #expect(Date().timeIntervalSince(start) < 2)
        #expect(run(.http(url: "http://127.0.0.1:\(try Listener.closedPort())/")).message == "connection refused")
        #expect(run(.http(url: "https://127.0.0.1/")).message == "not an http:// URL: https://127.0.0.1/")
    }

    @Test("http: URLs split into host, port, Host header and target")
    func parse() {
        #expect(
            HTTPCheck.parse("http://user@example.com:8080/a/b?c=1#frag")
                == .init(host: "example.com", port: 8080, hostHeader: "example.com:8080", path: "/a/b?c=1"))
        #expect(HTTPCheck.parse("http://localhost") == .init(host: "localhost", port: 80, hostHeader: "localhost", path: "/"))
        #expect(HTTPCheck.parse("http://[::1]:9000?x") == .init(host: "::1", port: 9000, hostHeader: "[::1]:9000", path: "/?x"))
        #expect(HTTPCheck.parse("http://host:99999/") == nil)
        #expect(HTTPCheck.parse("http:///path") == nil)
        #expect(HTTPCheck.statusLine(Array("HTTP/1.1 204 No Content\r\nX: y".utf8)) == "HTTP/1.1 204 No Content")
    }
}
