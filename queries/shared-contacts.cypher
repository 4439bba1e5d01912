// name: shared-contacts
// description: Phone numbers and e-mail addresses used by shops on several platforms.
// tags: links, phone, email, cross-platform
// param: min_platforms int 2..50 = 2 -- Fewest distinct platforms sharing the contact
// param: include_hubs bool = false -- Also list contacts marked as hubs
// example: -p min_platforms=2
// sort-lists: platforms, shops
MATCH (c:Phone|Email)<-[:USES_PHONE|USES_EMAIL]-(x)-[:OPERATES*0..1]->(s:Shop)
WHERE $include_hubs OR NOT coalesce(c.hub, false)
WITH c, count(DISTINCT s.platform) AS n_platforms,
     collect(DISTINCT s.platform) AS platforms, collect(DISTINCT s.key) AS shops
WHERE n_platforms >= $min_platforms
RETURN labels(c)[0] AS kind, c.key AS contact, n_platforms AS n_platforms,
       platforms AS platforms, shops AS shops
ORDER BY n_platforms DESC, kind, contact
