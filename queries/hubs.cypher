// name: hubs
// description: Identifiers marked as hubs (aggregators, warehouses, big factories), why,
//   and how widely they were used when `graphinv clusters` marked them.
// tags: hubs, overview
// param: min_shops int 0..1000000 = 0 -- Only hubs used by at least this many shops
// example: -p min_shops=2
// sort-lists: platforms, clusters
MATCH (h:{{ identifier }})
// The counts are the ones `graphinv clusters` wrote with the hub mark (shops that link
// to the hub or whose seller does, their platforms and clusters): like the mark, they
// hold as of that run. Counting them here meant expanding every hub user: 705k at 1M
// rows, 2.2 s on Neo4j. `hub-users` lists the users as they are now.
WHERE h.hub = true AND h.hub_shops > 0 AND h.hub_shops >= $min_shops
RETURN labels(h)[0] AS kind, h.key AS hub, h.hub_reason AS reason, h.hub_shops AS shops,
       size(h.hub_platforms) AS n_platforms, h.hub_platforms AS platforms,
       h.hub_clusters AS clusters
ORDER BY shops DESC, kind, hub
