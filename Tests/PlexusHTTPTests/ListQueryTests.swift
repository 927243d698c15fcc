import PlexusProtocol
import Testing

@testable import PlexusHTTP

@Suite("ListQuery")
struct ListQueryTests {
    let items: [JSONValue] = [
        .object(["name": .string("gamma"), "restarts": .number(2)]),
        .object(["name": .string("alpha"), "restarts": .number(5)]),
        .object(["name": .string("beta"), "restarts": .number(2)]),
        .object(["name": .string("Alphabet")]),
    ]

    @Test func defaultsGoToTheBroker() throws {
        let query = try ListQuery.parse(QueryParameters(), sortable: ["name"])
        #expect(query == ListQuery(offset: 0, limit: ListQuery.defaultLimit))
        #expect(!query.shapesLocally)
        #expect(query.page == PageRequest(offset: 0, limit: ListQuery.defaultLimit))
    }

    @Test func parsesEveryParameter() throws {
        let query = try ListQuery.parse(
            QueryParameters(["limit": "5", "offset": "10", "sort": "-restarts", "name": "al"]), sortable: ["name", "restarts"])
        #expect(query.limit == 5)
        #expect(query.offset == 10)
        #expect(query.sort == ListQuery.Sort(field: "restarts", descending: true))
        #expect(query.name == "al")
        #expect(query.shapesLocally)
    }

    @Test func refusesBadValuesWithA400() {
        for values in [["limit": "0"], ["limit": "10001"], ["limit": "x"], ["offset": "-1"], ["sort": "colour"]] {
            #expect(throws: Problem.self, "\(values)") { try ListQuery.parse(QueryParameters(values), sortable: ["name"]) }
        }
        do {
            _ = try ListQuery.parse(QueryParameters(["sort": "colour"]), sortable: ["name"])
        } catch {
            #expect(error.statusCode == 400)
            #expect(error.detail.contains("name"))
        }
    }

    @Test func filtersCaseInsensitively() {
        let (page, info) = ListQuery(name: "ALPHA").apply(to: items)
        #expect(page.map { $0["name"]?.stringValue } == ["alpha", "Alphabet"])
        #expect(info.total == 2)
    }

    @Test func sortsByAFieldWithTiesByNameAndMissingLast() {
        let ascending = ListQuery(sort: .init(field: "restarts", descending: false)).apply(to: items).items
        #expect(ascending.map { $0["name"]?.stringValue } == ["beta", "gamma", "alpha", "Alphabet"])
        let descending = ListQuery(sort: .init(field: "restarts", descending: true)).apply(to: items).items
        #expect(descending.first?["name"]?.stringValue == "Alphabet" || descending.first?["name"]?.stringValue == "alpha")
    }

    @Test func pagesAfterShaping() {
        let (page, info) = ListQuery(offset: 1, limit: 2, sort: .init(field: "name", descending: false)).apply(to: items)
        #expect(page.map { $0["name"]?.stringValue } == ["alpha", "beta"])
        #expect(info == PageInfo(total: 4, offset: 1, returned: 2, nextOffset: 3))
        let past = ListQuery(offset: 10, limit: 2).apply(to: items)
        #expect(past.items.isEmpty)
        #expect(past.info == PageInfo(total: 4, offset: 4, returned: 0, nextOffset: nil))
    }
}
