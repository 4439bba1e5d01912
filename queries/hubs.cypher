// name: hubs
// description: Identifiers marked as hubs (aggregators, warehouses, big factories), why,
//   and how widely they are used.
// tags: hubs, overview
// param: min_shops int 0..1000000 = 0 -- Only hubs used by at least this many shops
// example: -p min_shops=2
// sort-lists: platforms, clusters
MATCH (h:PaymentAccount|Phone|Email|Address|Supplier)
WHERE h.hub
MATCH (h)<-[]-(x)-[:OPERATES*0..1]->(s:Shop)
WITH h, count(DISTINCT s.key) AS shops, count(DISTINCT s.platform) AS n_platforms,
     collect(DISTINCT s.platform) AS platforms, collect(DISTINCT s.cluster_id) AS clusters
WHERE shops >= $min_shops
RETURN labels(h)[0] AS kind, h.key AS hub, h.hub_reason AS reason, shops AS shops,
       n_platforms AS n_platforms, platforms AS platforms, clusters AS clusters
ORDER BY shops DESC, kind, hub
