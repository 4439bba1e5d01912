// name: changes-since
// description: Nodes and links created after an ingest run (run ids sort by time:
//   YYYYMMDDTHHMMSSZ-xxxxxx); see ingest-runs for the ids. Grouped by kind, oldest run
//   first.
// tags: history, ingest, changes
// param: since str -- Ingest run id; what later runs created is listed
// param: include_run bool = false -- Also list what that run itself created
// param: max_rows int 1..100000 = 1000 -- At most this many new nodes or links per kind
// example: -p since=20250110T090000Z-a1b2c3

// One part per node kind and per link type that carries evidence, written out from the
// schema by {{ each node }} and {{ each evidence-link }} (`graphinv query show
// changes-since` prints them all). The two halves of each WHERE say the same thing
// twice, once per store: Neo4j seeks the runs' ids in the kind's first_run index (one
// MATCH over every label scanned all 9M nodes and links at 1M rows: 5.9 s even when
// nothing was new); LadybugDB filters on the parameters inside its scan (with the list
// alone it joined every link first: 0.7 s per link type at 1M). Ingest gives every node
// a display text (a shop's name or id, a seller's name, an identifier as normalized).
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (n:{{ each node }})
WHERE (n.first_run > $since OR ($include_run AND n.first_run = $since)) AND n.first_run IN runs
RETURN n.first_run AS run, 'node' AS change, labels(n)[0] AS kind, n.key AS key,
       coalesce(n.display, n.key) AS detail
ORDER BY run, key LIMIT $max_rows
UNION ALL
MATCH (i:IngestRun) WHERE i.key > $since OR ($include_run AND i.key = $since)
WITH collect(i.key) AS runs
MATCH (a)-[r:{{ each evidence-link }}]->(b)
WHERE (r.first_run > $since OR ($include_run AND r.first_run = $since)) AND r.first_run IN runs
RETURN r.first_run AS run, 'link' AS change, type(r) AS kind,
       labels(a)[0] + ':' + a.key + ' -> ' + labels(b)[0] + ':' + b.key AS key,
       toString(r.ev_count) + ' evidence record(s)' AS detail
ORDER BY run, key LIMIT $max_rows
