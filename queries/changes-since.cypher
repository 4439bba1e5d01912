// name: changes-since
// description: Nodes and links created after an ingest run (run ids sort by time:
//   YYYYMMDDTHHMMSSZ-xxxxxx); see ingest-runs for the ids.
// tags: history, ingest, changes
// param: since str -- Ingest run id; what later runs created is listed
// param: include_run bool = false -- Also list what that run itself created
// param: max_rows int 1..100000 = 1000 -- At most this many new nodes, and as many new links
// example: -p since=20250110T090000Z-a1b2c3
MATCH (n)
WHERE n.first_run > $since OR ($include_run AND n.first_run = $since)
RETURN n.first_run AS run, 'node' AS change, labels(n)[0] AS kind, n.key AS key,
       coalesce(n.display, n.name, n.key) AS detail
ORDER BY run, kind, key
LIMIT $max_rows
UNION ALL
MATCH (a)-[r]->(b)
WHERE r.first_run > $since OR ($include_run AND r.first_run = $since)
RETURN r.first_run AS run, 'link' AS change, type(r) AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, kind, key
LIMIT $max_rows
