// name: shared-contacts
// description: Phone numbers and e-mail addresses used by shops on several platforms
//   (directly, or through the seller operating them).
// tags: links, phone, email, cross-platform
// param: min_platforms int 2..50 = 2 -- Fewest distinct platforms sharing the contact
// param: include_hubs bool = false -- Also list contacts marked as hubs
// example: -p min_platforms=2
// sort-lists: platforms, shops
MATCH (c:Phone|Email)<-[:USES_PHONE|USES_EMAIL]-(x)
// cheap pre-filter: N platforms need N users, unless a seller (with many shops) is one
WITH c, count(x) AS users, sum(CASE WHEN labels(x)[0] = 'Seller' THEN 1 ELSE 0 END) AS sellers
WHERE users >= $min_platforms OR sellers > 0
// Hubs are dropped after the pre-filter: reading the mark of all 1.5M contacts cost
// Neo4j 0.7 s at 1M rows (2.1 -> 1.4 s); LadybugDB went from 0.9 to 1.4 s.
WITH c
WHERE $include_hubs OR NOT coalesce(c.hub, false)
MATCH (c)<-[:USES_PHONE|USES_EMAIL]-(x)
OPTIONAL MATCH (x)-[:OPERATES]->(v:Shop)
WITH c, CASE WHEN v IS NULL THEN x.key ELSE v.key END AS shop,
     CASE WHEN v IS NULL THEN x.platform ELSE v.platform END AS platform
WHERE platform IS NOT NULL
WITH c, count(DISTINCT platform) AS n_platforms, collect(DISTINCT platform) AS platforms,
     collect(DISTINCT shop) AS shops
WHERE n_platforms >= $min_platforms
RETURN labels(c)[0] AS kind, c.key AS contact, n_platforms AS n_platforms,
       platforms AS platforms, shops AS shops
ORDER BY n_platforms DESC, kind, contact
