// name: hubs
// description: Identifiers marked as hubs (aggregators, warehouses, big factories), why,
//   and how widely they are used.
// tags: hubs, overview
// param: min_shops int 0..1000000 = 0 -- Only hubs used by at least this many shops
// example: -p min_shops=2
// sort-lists: platforms, clusters
MATCH (h:PaymentAccount|Phone|Email|Address|Supplier)
WHERE h.hub = true
// Shops reach a hub directly or through a seller. The seller side is small, so it is
// collected first; the direct side (most rows) is grouped by platform and cluster before
// any list is built, and shops counted on both sides are subtracted once. One stream
// through an OPTIONAL MATCH on every user was 3x slower at 1M rows on LadybugDB.
OPTIONAL MATCH (h)<-[]-(:Seller)-[:OPERATES]->(v:Shop)
WITH h, collect(DISTINCT v.key) AS via, collect(DISTINCT v.platform) AS p2,
     collect(DISTINCT v.cluster_id) AS c2
OPTIONAL MATCH (h)<-[]-(s:Shop)
WITH h, via, p2, c2, s.platform AS platform, s.cluster_id AS cluster, count(s) AS n,
     count(CASE WHEN s.key IN via THEN 1 END) AS both
WITH h, via, sum(n) AS direct, sum(both) AS both,
     collect(DISTINCT platform) AS p1, collect(DISTINCT cluster) AS c1, p2, c2
WITH h, size(via) + direct - both AS shops, p1 + [p IN p2 WHERE NOT p IN p1] AS platforms,
     c1 + [c IN c2 WHERE NOT c IN c1] AS clusters
WHERE shops > 0 AND shops >= $min_shops
RETURN labels(h)[0] AS kind, h.key AS hub, h.hub_reason AS reason, shops AS shops,
       size(platforms) AS n_platforms, platforms AS platforms, clusters AS clusters
ORDER BY shops DESC, kind, hub
