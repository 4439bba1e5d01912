// name: changes-since
// description: Nodes and links created after an ingest run (run ids sort by time:
//   YYYYMMDDTHHMMSSZ-xxxxxx); see ingest-runs for the ids. Grouped by kind, oldest run
//   first.
// tags: history, ingest, changes
// param: since str -- Ingest run id; what later runs created is listed
// param: include_run bool = false -- Also list what that run itself created
// param: max_rows int 1..100000 = 1000 -- At most this many new nodes or links per kind
// example: -p since=20250110T090000Z-a1b2c3

// One part per node kind and link type (a test checks they cover the schema). The two
// halves of each WHERE say the same thing twice, once per store: Neo4j seeks the runs'
// ids in the kind's first_run index (one MATCH over every label scanned all 9M nodes and
// links at 1M rows: 5.9 s even when nothing was new); LadybugDB filters on the
// parameters inside its scan (with the list alone it joined every link first: 0.7 s per
// link type at 1M).
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:Address)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'Address' AS kind, n.key AS key,
       coalesce(n.display, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:Email)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'Email' AS kind, n.key AS key,
       coalesce(n.display, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:PaymentAccount)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'PaymentAccount' AS kind, n.key AS key,
       coalesce(n.display, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:Phone)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'Phone' AS kind, n.key AS key,
       coalesce(n.display, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:Seller)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'Seller' AS kind, n.key AS key,
       coalesce(n.display, n.name, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:Shop)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'Shop' AS kind, n.key AS key,
       coalesce(n.display, n.name, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:Supplier)
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, 'Supplier' AS kind, n.key AS key,
       coalesce(n.display, n.name, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:LOCATED_AT]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, 'LOCATED_AT' AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:OPERATES]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, 'OPERATES' AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:PAID_VIA]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, 'PAID_VIA' AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:SOURCES_FROM]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, 'SOURCES_FROM' AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:USES_EMAIL]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, 'USES_EMAIL' AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:USES_PHONE]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, 'USES_PHONE' AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
