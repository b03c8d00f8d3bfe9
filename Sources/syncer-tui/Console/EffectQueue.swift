import Foundation
import SyncerConsole

/// Runs effects on worker lanes (quick reads and writes; host windows; slow counts and
/// bundles; see `Effect.lane`) and
/// hands their results back to the input loop, which it wakes through a pipe so the loop
/// sleeps in `poll` instead of spinning.
final class EffectQueue: @unchecked Sendable {
    private let runner: EffectRunner
    private let quick = DispatchQueue(label: "console.quick")
    private let hosts = DispatchQueue(label: "console.hosts")
    private let slow = DispatchQueue(label: "console.slow")
    private let lock = NSLock()
    private var results: [Action] = []
    /// The newest token per supersede key: an older queued effect with that key is skipped.
    private var newest: [String: Int] = [:]
    private var serial = 0
    let wakeFD: Int32
    private let signalFD: Int32

    init(runner: EffectRunner) {
        self.runner = runner
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        wakeFD = fds[0]
        signalFD = fds[1]
    }

    func submit(_ effects: [Effect]) {
        for effect in effects { submit(effect) }
    }

    private func submit(_ effect: Effect) {
        lock.lock()
        serial += 1
        let token = serial
        if let key = effect.supersedeKey { newest[key] = token }
        lock.unlock()
        let lane: DispatchQueue
        switch effect.lane {
        case .quick: lane = quick
        case .hosts: lane = hosts
        case .slow: lane = slow
        }
        lane.async { [self] in
            if let key = effect.supersedeKey {
                lock.lock()
                let stale = newest[key] != token
                lock.unlock()
                if stale { return }
            }
            let action = runner.perform(effect)
            lock.lock()
            results.append(action)
            lock.unlock()
            var byte: UInt8 = 1
            _ = write(signalFD, &byte, 1)
        }
    }

    /// Blocks until every queued effect has run: a write the operator started is finished
    /// (or rolled back by SQLite) before the process exits, never cut off.
    func finish() {
        quick.sync {}
        hosts.sync {}
        slow.sync {}
    }

    /// Waits (at most `timeout` seconds) until the quick and host lanes have run what was
    /// queued so far, then returns every result that arrived.
    func settle(timeout: Double) -> [Action] {
        let deadline = DispatchTime.now() + timeout
        for lane in [quick, hosts] {
            let done = DispatchSemaphore(value: 0)
            lane.async { done.signal() }  // runs after everything queued on the lane before it
            if done.wait(timeout: deadline) == .timedOut { break }
        }
        return drain()
    }

    /// Results that arrived since the last call.
    func drain() -> [Action] {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeFD, &buffer, buffer.count) > 0 {}
        lock.lock()
        defer { lock.unlock() }
        let out = results
        results.removeAll()
        return out
    }
}
