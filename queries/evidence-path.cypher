// name: evidence-path
// description: Shortest chains of links between two shops,
//   with the evidence count and records of every hop; hubs are avoided unless asked.
// tags: explain, evidence, path
// param: from str -- Key of the first shop, e.g. amazon:a1luxe
// param: to str -- Key of the second shop, e.g. aliexpress:kicks-factory
// param: through_hubs bool = false -- Allow chains through hub identifiers
// example: -p from=amazon:a1luxe -p to=aliexpress:kicks-factory
// sort-rows: hops, path
MATCH (a:Shop {key: $from}), (b:Shop {key: $to})
MATCH p = allShortestPaths((a)-[*..8]-(b))
WHERE all(x IN nodes(p) WHERE $through_hubs OR NOT coalesce(x.hub, false))
RETURN length(p) AS hops,
       [n IN nodes(p) | labels(n)[0] + ':' + n.key] AS path,
       [r IN relationships(p) | type(r)] AS links,
       [r IN relationships(p) | coalesce(r.ev_count, 0)] AS evidence_counts,
       [r IN relationships(p) | coalesce(r.ev, [])] AS evidence
ORDER BY hops
LIMIT 100
