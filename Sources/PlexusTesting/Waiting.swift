import Foundation

/// Polls `condition` until it holds or `timeout` seconds pass; returns whether it held.
///
/// For conditions nothing announces (a file appears, a process is gone). To wait for something the
/// broker announces, wait for its event instead (`TestBroker.waitForEvent(topic:timeout:where:)`).
///
/// ```swift
/// let gone = waitUntil(timeout: 5) { TestProcess.isGone(pid) }
/// ```
@discardableResult
public func waitUntil(timeout: Double, interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}

/// Like `waitUntil`, returning the first non-nil value `produce` gives, or nil at the deadline.
public func waitFor<T>(timeout: Double, interval: Double = 0.02, _ produce: () throws -> T?) rethrows -> T? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let value = try produce() { return value }
        Thread.sleep(forTimeInterval: interval)
    }
    return try produce()
}
