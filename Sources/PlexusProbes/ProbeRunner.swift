import CSpawn
import Foundation
import PlexusTopology

/// Runs one probe check, blocking the calling thread for at most about the check's timeout.
///
/// ```swift
/// let outcome = ProbeRunner.run(.tcp(host: "127.0.0.1", port: 5432), timeoutMilliseconds: 1000,
///                               workingDirectory: nil, environment: [:])
/// // ProbeOutcome(passed: false, message: "connection refused", milliseconds: 0)
/// ```
public enum ProbeRunner {
    /// Runs one check, blocking at most about `timeoutMilliseconds` (plus a little). Never throws: a
    /// failure is `passed: false` with a clear message ("exit 3", "connection refused",
    /// "timed out after 1000 ms", "HTTP 503").
    ///
    /// - `exec`: argv run with `environment` merged over this process's own, in `workingDirectory`;
    ///   exit 0 passes. On timeout its process group is killed with SIGKILL and the child reaped.
    /// - `tcp`: a non-blocking connect to host:port must be accepted.
    /// - `http`: a plain HTTP/1.1 GET (`http://` only) must answer 2xx or 3xx.
    ///
    /// An exec child is forked by the calling thread with `PR_SET_PDEATHSIG`, so call this from a thread
    /// that outlives the call (any thread does: the call blocks until the child is reaped).
    public static func run(
        _ check: ProbeSpec.Check, timeoutMilliseconds: Int64, workingDirectory: String?, environment: [String: String]
    ) -> ProbeOutcome {
        let timeout = max(1, timeoutMilliseconds)
        let start = Clock.now()
        let deadline = start + timeout
        let (passed, message): (Bool, String)
        switch check {
        case .exec(let argv):
            (passed, message) = ExecCheck.run(
                argv, deadline: deadline, timeout: timeout, workingDirectory: workingDirectory, environment: environment)
        case .tcp(let host, let port):
            switch Socket.connect(host: host, port: port, deadline: deadline, timeout: timeout) {
            case .success(let fd):
                close(fd)
                let local = host == "127.0.0.1" || host == "localhost"
                (passed, message) = (true, local ? "tcp \(port) accepted" : "tcp \(host):\(port) accepted")
            case .failure(let problem):
                (passed, message) = (false, problem.message)
            }
        case .http(let url):
            (passed, message) = HTTPCheck.run(url, deadline: deadline, timeout: timeout)
        }
        return ProbeOutcome(passed: passed, message: message, milliseconds: max(0, Clock.now() - start))
    }
}

/// Monotonic milliseconds, for deadlines.
enum Clock {
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// Why a check failed, as the outcome's message.
struct ProbeProblem: Error {
    let message: String

    static func errno(_ code: Int32) -> ProbeProblem { ProbeProblem(message: String(cString: strerror(code)).lowercased()) }
    static func timedOut(_ timeout: Int64) -> ProbeProblem { ProbeProblem(message: "timed out after \(timeout) ms") }
}
