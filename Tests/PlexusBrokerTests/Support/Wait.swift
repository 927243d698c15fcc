import Foundation

/// Polls `condition` until it holds or `timeout` passes: how tests wait for events without fixed sleeps.
@discardableResult
func waitUntil(timeout: Double, interval: Double = 0.02, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: interval)
    }
    return try condition()
}

/// Like `waitUntil`, returning the first non-nil value.
func waitFor<T>(timeout: Double, interval: Double = 0.02, _ produce: () throws -> T?) rethrows -> T? {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if let value = try produce() { return value }
        Thread.sleep(forTimeInterval: interval)
    }
    return try produce()
}
