import Testing

@testable import ZeroMQ

@Suite("ZeroMQ wrapper")
struct SocketTests {
    let context: ZMQContext

    init() throws {
        context = try ZMQContext()
    }

    @Test("libzmq is 4.3 or newer and has CURVE")
    func version() {
        let version = ZMQContext.version
        #expect(version.major == 4 && version.minor >= 3)
        #expect(ZMQContext.has("curve"))
    }

    @Test("binding port * resolves an ephemeral port")
    func ephemeralBind() throws {
        let socket = try context.socket(.router)
        let endpoint = try socket.bind("tcp://127.0.0.1:*")
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        let port = Int(endpoint.split(separator: ":").last ?? "") ?? 0
        #expect(port > 0)
        #expect(try socket.lastEndpoint == endpoint)
    }

    @Test("errors carry zmq_strerror text")
    func errorText() throws {
        let socket = try context.socket(.pub)
        let error = #expect(throws: ZMQError.self) { try socket.bind("nonsense://where") }
        #expect(error?.message.isEmpty == false)
        #expect(error?.description.contains("bind nonsense://where") == true)
    }

    @Test("multipart DEALER → ROUTER → DEALER keeps frames and order, empty frames included")
    func multipartRoundTrip() throws {
        let router = try context.socket(.router)
        let endpoint = try router.bind("tcp://127.0.0.1:*")
        let dealer = try context.socket(.dealer)
        try dealer.connect(endpoint)
        try router.setReceiveTimeout(milliseconds: 5_000)
        try dealer.setReceiveTimeout(milliseconds: 5_000)

        let frames: [[UInt8]] = [[], Array("hello".utf8), [0, 1, 2, 255], []]
        #expect(try dealer.send(multipart: frames))
        let received = try #require(try router.receiveMultipart())
        #expect(received.count == 5)
        #expect(Array(received.dropFirst()) == frames)

        try router.send(multipart: [received[0], Array("back".utf8)])
        #expect(try dealer.receiveMultipart() == [Array("back".utf8)])
    }

    @Test("receive with a timeout returns nil instead of blocking")
    func receiveTimeout() throws {
        let socket = try context.socket(.dealer)
        try socket.connect("tcp://127.0.0.1:1")
        try socket.setReceiveTimeout(milliseconds: 50)
        #expect(try socket.receiveMultipart() == nil)
        #expect(try socket.receiveMultipart(dontWait: true) == nil)
    }

    @Test("Message moves a frame without copying and reads it in place")
    func messageForwarding() throws {
        let pull = try context.socket(.pull)
        let endpoint = try pull.bind("inproc://message-test")
        let push = try context.socket(.push)
        try push.connect(endpoint)
        try pull.setReceiveTimeout(milliseconds: 2_000)

        let message = Message(copying: Array(repeating: UInt8(7), count: 1_000))
        #expect(message.count == 1_000)
        try push.send(message)
        #expect(message.count == 0)  // the content now belongs to libzmq

        let received = Message()
        #expect(try pull.receive(into: received))
        #expect(received.count == 1_000)
        #expect(received.withUnsafeBytes { $0.allSatisfy { $0 == 7 } })
        #expect(!received.hasMore)
    }

    @Test("receiveMultipart caps the frame count but consumes the whole message")
    func frameCap() throws {
        let pull = try context.socket(.pull)
        let endpoint = try pull.bind("inproc://cap-test")
        let push = try context.socket(.push)
        try push.connect(endpoint)
        try pull.setReceiveTimeout(milliseconds: 2_000)
        try push.send(multipart: (0..<10).map { [UInt8($0)] })
        try push.send(multipart: [[42]])
        let capped = try #require(try pull.receiveMultipart(maxFrames: 3))
        #expect(capped == [[0], [1], [2], []])
        #expect(try pull.receiveMultipart() == [[42]])
    }

    @Test("poller reports readability and times out")
    func poller() throws {
        let pull = try context.socket(.pull)
        let endpoint = try pull.bind("inproc://poll-test")
        let push = try context.socket(.push)
        try push.connect(endpoint)
        var poller = Poller()
        let index = poller.add(pull)
        #expect(try poller.poll(timeoutMilliseconds: 10) == 0)
        #expect(!poller.isReadable(index))
        try push.send([1])
        #expect(try poller.poll(timeoutMilliseconds: 2_000) == 1)
        #expect(poller.isReadable(index))
    }

    @Test("SUB prefix subscriptions filter what arrives")
    func subscriptions() throws {
        let pub = try context.socket(.pub)
        let endpoint = try pub.bind("inproc://sub-test")
        let sub = try context.socket(.sub)
        try sub.subscribe("user.")
        try sub.connect(endpoint)
        try sub.setReceiveTimeout(milliseconds: 100)
        // inproc connects synchronously, but the subscription still travels: publish until one arrives.
        var received: [[UInt8]]?
        for _ in 0..<50 where received == nil {
            try pub.send(multipart: [Array("order.x".utf8), [0]])
            try pub.send(multipart: [Array("user.x".utf8), [1]])
            received = try sub.receiveMultipart()
        }
        #expect(received == [Array("user.x".utf8), [1]])
    }

    @Test("a Waker wakes a poller from another thread")
    func waker() async throws {
        let waker = try Waker(context: context, name: "test-\(UInt64.random(in: 0...UInt64.max))")
        var poller = Poller()
        let index = poller.add(waker.receiver)
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
        await Task.detached { waker.signal() }.value
        #expect(try poller.poll(timeoutMilliseconds: 2_000) == 1)
        #expect(poller.isReadable(index))
        waker.drain()
        #expect(try poller.poll(timeoutMilliseconds: 0) == 0)
        waker.close()
    }
}
