// name: shop-neighbourhood
// description: Everything within k hops of one shop, nearest first; paths do not run
//   through hubs unless asked.
// tags: explore, shop
// param: shop str -- Shop key, e.g. taobao:tb-1001
// param: hops int 1..4 = 2 -- How many hops to follow
// param: through_hubs bool = false -- Also follow links through hub identifiers
// example: -p shop=taobao:tb-1001 -p hops=2
MATCH (s:Shop {key: $shop})
MATCH p = (s)-[*1..$hops]-(n)
WHERE none(x IN nodes(p)[1..length(p)] WHERE NOT $through_hubs AND coalesce(x.hub, false))
WITH n, min(length(p)) AS distance
RETURN distance AS distance, labels(n)[0] AS kind, n.key AS key,
       coalesce(n.display, n.name, n.key) AS label, n.platform AS platform,
       n.cluster_id AS cluster, coalesce(n.flagged, false) AS flagged,
       coalesce(n.hub, false) AS hub
ORDER BY distance, kind, key
