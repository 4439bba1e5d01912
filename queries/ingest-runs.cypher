// name: ingest-runs
// description: Ingest runs, newest first: id, times, status, source and counts.
// tags: history, ingest
// param: last int 1..10000 = 20 -- How many runs to list
// example: -p last=5
MATCH (r:IngestRun)
RETURN r.key AS run, r.started AS started, r.finished AS finished, r.status AS status,
       r.source AS source, r.counts AS counts
ORDER BY run DESC
LIMIT $last
