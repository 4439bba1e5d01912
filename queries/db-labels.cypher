// name: db-labels
// description: Node labels present in the Neo4j database (schema introspection).
// tags: schema
// requires: neo4j
CALL db.labels() YIELD label
RETURN label AS label
ORDER BY label
