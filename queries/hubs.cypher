// name: hubs
// description: Identifiers marked as hubs (aggregators, warehouses, big factories), why,
//   and how widely they are used.
// tags: hubs, overview
// param: min_shops int 0..1000000 = 0 -- Only hubs used by at least this many shops
// example: -p min_shops=2
// sort-lists: platforms, clusters
MATCH (h:PaymentAccount|Phone|Email|Address|Supplier)
WHERE h.hub
MATCH (h)<-[]-(x)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH h, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform,
     CASE WHEN v IS NULL THEN x.cluster_id ELSE v.cluster_id END AS cluster
WHERE platform IS NOT NULL
WITH h, count(DISTINCT shop) AS shops, count(DISTINCT platform) AS n_platforms,
     collect(DISTINCT platform) AS platforms, collect(DISTINCT cluster) AS clusters
WHERE shops >= $min_shops
RETURN labels(h)[0] AS kind, h.key AS hub, h.hub_reason AS reason, shops AS shops,
       n_platforms AS n_platforms, platforms AS platforms, clusters AS clusters
ORDER BY shops DESC, kind, hub
